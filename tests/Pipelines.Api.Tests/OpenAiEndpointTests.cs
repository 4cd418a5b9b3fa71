using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

/// <summary>
/// The OpenAI-compatible endpoint of a real <c>serve</c> host over a registered model's int8 ONNX export: the shapes
/// OpenAI's clients read, answers equal to ONNX Runtime's own greedy generation, streaming, errors and roles.
/// </summary>
[Collection(OpenAiTestHost.Collection)]
public sealed class OpenAiEndpointTests : IAsyncLifetime
{
    private const string Prompt = "Subject: the quarterly numbers\n\nPlease send them by Friday.";
    private readonly string _data = Directory.CreateTempSubdirectory("pipelines-openai-test-").FullName;
    private string _export = "";
    private ApiServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _export = OpenAiTestHost.Export(Path.Combine(_data, "exports", "int8"), seed: 3);
        await OpenAiTestHost.RegisterAsync(_data, _export);
        (_server, _client) = await StartAsync(["m@production"], ("app", "app-secret-0123456789", ["inference"]), ("ops", "ops-secret-0123456789", ["viewer"]));
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "app-secret-0123456789");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private Task<(ApiServer, HttpClient)> StartAsync(string[] models, params (string Name, string Secret, string[] Roles)[] tokens) =>
        OpenAiTestHost.StartAsync(_data, models, new Dictionary<string, string?> { ["SampleRate"] = "1" }, null, tokens);

    private (string Text, int PromptTokens, int CompletionTokens) Expected(string prompt, int maxTokens) => OpenAiTestHost.Expected(_export, prompt, maxTokens);

    private Task<HttpResponseMessage> PostAsync(string path, JsonObject body, HttpClient? client = null) =>
        (client ?? _client).PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    private static JsonObject Completion(string model = "m@production", int maxTokens = 10) => new()
    {
        ["model"] = model,
        ["prompt"] = Prompt,
        ["max_tokens"] = maxTokens,
        ["temperature"] = 0,
    };

    [Fact]
    public async Task Models_lists_the_served_alias_with_its_version_and_variant()
    {
        var body = JsonNode.Parse(await _client.GetStringAsync("/v1/models"))!;

        Assert.Equal("list", (string?)body["object"]);
        var model = Assert.Single(body["data"]!.AsArray())!;
        Assert.Equal(("m@production", "model", 1, "int8"), ((string?)model["id"], (string?)model["object"], (int)model["version"]!, (string?)model["variant"]));
    }

    [Fact]
    public async Task A_greedy_completion_is_what_onnx_runtime_generates_alone_with_its_usage()
    {
        var (text, promptTokens, completionTokens) = Expected(Prompt, 10);

        using var response = await PostAsync("/v1/completions", Completion());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text_completion", (string?)body["object"]);
        Assert.StartsWith("cmpl-", (string?)body["id"], StringComparison.Ordinal);
        Assert.Equal(text, (string?)body["choices"]![0]!["text"]);
        Assert.Contains((string?)body["choices"]![0]!["finish_reason"], new[] { "stop", "length" });
        Assert.Equal((promptTokens, completionTokens, promptTokens + completionTokens),
            ((int)body["usage"]!["prompt_tokens"]!, (int)body["usage"]!["completion_tokens"]!, (int)body["usage"]!["total_tokens"]!));
    }

    [Fact]
    public async Task A_streamed_chat_completion_sends_the_same_text_in_chunks_then_usage_then_done()
    {
        var (text, promptTokens, _) = Expected(Prompt, 10);
        var request = new JsonObject
        {
            ["model"] = "m@production",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = Prompt }),
            ["max_tokens"] = 10,
            ["temperature"] = 0,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };

        using var response = await PostAsync("/v1/chat/completions", request);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e["data: ".Length..])!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        var streamed = string.Concat(chunks.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => (string?)c["choices"]![0]!["delta"]!["content"] ?? ""));
        Assert.Equal(text, streamed);
        Assert.NotNull((string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        Assert.Equal(promptTokens, (int)chunks[^1]["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task Metrics_count_tokens_latencies_and_errors_per_model_alias_and_version_in_vllms_names()
    {
        var (_, promptTokens, completionTokens) = Expected(Prompt, 10);
        using (var completed = await PostAsync("/v1/completions", Completion())) Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        using (var unknown = await PostAsync("/v1/completions", Completion(model: "nope"))) Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var viewer = new HttpClient { BaseAddress = _client.BaseAddress };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ops-secret-0123456789");

        var text = await viewer.GetStringAsync("/metrics");
        double Value(string metric, string labels) =>
            text.Split('\n').Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && labels.Split(',').All(label => l.Contains(label, StringComparison.Ordinal)))
                .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Sum();

        const string served = "alias=\"production\",model=\"m@production\",name=\"m\",variant=\"int8\",version=\"1\"";
        // Other tests of this class share the process's meter, so counts are at least this request's.
        Assert.True(Value("pipelines_serving_prompt_tokens_total", served) >= promptTokens, text);
        Assert.True(Value("pipelines_serving_generation_tokens_total", served) >= completionTokens, text);
        Assert.True(Value("pipelines_serving_time_to_first_token_seconds_count", served) >= 1, text);
        Assert.True(Value("pipelines_serving_e2e_request_latency_seconds_count", served) >= 1, text);
        Assert.True(Value("pipelines_serving_request_queue_time_seconds_count", served) >= 1, text);
        Assert.True(Value("pipelines_serving_time_per_output_token_seconds_count", served) >= completionTokens - 1, text);
        Assert.True(Value("pipelines_serving_request_errors_total", "kind=\"not_found\"") >= 1, text);
        Assert.Contains("pipelines_serving_num_requests_running{", text, StringComparison.Ordinal);
        Assert.Contains("pipelines_serving_num_requests_waiting{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answered_requests_are_logged_redacted_and_take_feedback()
    {
        var request = Completion();
        request["prompt"] = "Write to ann@example.com or call +44 20 7946 0958 about the numbers.";
        using var response = await PostAsync("/v1/completions", request);
        var id = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;

        using var rated = await PostAsync("/v1/feedback", new JsonObject { ["id"] = id, ["rating"] = 1, ["comment"] = "useful" });
        using var corrected = await PostAsync("/v1/feedback", new JsonObject { ["id"] = id, ["correction"] = "Numbers for bob@example.com" });
        using var empty = await PostAsync("/v1/feedback", new JsonObject { ["id"] = id });
        using var unknown = await PostAsync("/v1/feedback", new JsonObject { ["id"] = "cmpl-none", ["rating"] = 0 });
        using var outOfRange = await PostAsync("/v1/feedback", new JsonObject { ["id"] = id, ["rating"] = 5 });
        using var viewer = new HttpClient { BaseAddress = _client.BaseAddress };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ops-secret-0123456789");
        var log = JsonNode.Parse(await viewer.GetStringAsync("/api/monitoring/models/m@production/requests"))!;

        Assert.Equal(HttpStatusCode.OK, rated.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("id", (string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]!["param"]);
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
        var row = log["requests"]!.AsArray().Single(r => (string?)r!["id"] == id)!;
        Assert.Equal("Write to [EMAIL] or call [PHONE] about the numbers.", (string?)row["prompt"]);
        Assert.Equal((1.0, "useful", 1), ((double)row["rating"]!, (string?)row["comment"], (int)row["version"]!));
        // A later correction keeps the rating, and is redacted as prompts are; feedback with neither says what to give.
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        Assert.Equal("Numbers for [EMAIL]", (string?)row["correction"]);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("correction", (string?)JsonNode.Parse(await empty.Content.ReadAsStringAsync())!["error"]!["message"], StringComparison.Ordinal);
        Assert.True((int)row["promptTokens"]! > 0 && (double)row["latency"]! > 0);
    }

    [Fact]
    public async Task Sampling_with_a_seed_repeats_and_another_seed_differs()
    {
        async Task<string> SampleAsync(int seed)
        {
            var request = Completion(maxTokens: 24);
            request["temperature"] = 1.0;
            request["seed"] = seed;
            using var response = await PostAsync("/v1/completions", request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!["text"]!;
        }

        var first = await SampleAsync(7);
        var again = await SampleAsync(7);
        var other = await SampleAsync(8);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData("{\"model\": \"nope\", \"prompt\": \"x\"}", 404, "not_found_error", "model")]
    [InlineData("{\"prompt\": \"x\"}", 400, "invalid_request_error", "model")]
    [InlineData("{\"model\": \"m@production\", \"prompt\": \"x\", \"temperature\": 3}", 400, "invalid_request_error", "temperature")]
    [InlineData("{\"model\": \"m@production\", \"prompt\": \"x\", \"n\": 2}", 400, "invalid_request_error", "n")]
    [InlineData("{\"model\": \"m@production\", \"prompt\": \"x\", \"stop\": 5}", 400, "invalid_request_error", "stop")]
    [InlineData("{\"model\": \"m@production\"}", 400, "invalid_request_error", "prompt")]
    [InlineData("[1]", 400, "invalid_request_error", null)]
    public async Task Bad_requests_get_openai_error_objects_naming_the_field(string json, int status, string type, string? param)
    {
        using var response = await _client.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
    }

    [Fact]
    public async Task Only_inference_tokens_call_the_models_and_an_inference_token_reads_nothing_else()
    {
        using var anonymous = new HttpClient { BaseAddress = _client.BaseAddress };
        using var viewer = new HttpClient { BaseAddress = _client.BaseAddress };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ops-secret-0123456789");

        using var none = await PostAsync("/v1/completions", Completion(), anonymous);
        using var wrongRole = await PostAsync("/v1/completions", Completion(), viewer);
        using var runs = await _client.GetAsync("/api/runs");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("authentication_error", (string?)JsonNode.Parse(await none.Content.ReadAsStringAsync())!["error"]!["type"]);
        Assert.Equal(HttpStatusCode.Forbidden, wrongRole.StatusCode);
        Assert.Equal("permission_error", (string?)JsonNode.Parse(await wrongRole.Content.ReadAsStringAsync())!["error"]!["type"]);
        Assert.Equal(HttpStatusCode.Forbidden, runs.StatusCode);
    }

    [Fact]
    public async Task Serving_an_alias_that_is_not_set_stops_the_start_saying_what_exists()
    {
        var error = await Assert.ThrowsAsync<ApiConfigurationException>(() => StartAsync(["m@staging"]));

        Assert.Contains("cannot serve 'm@staging': m has no alias 'staging'", error.Message, StringComparison.Ordinal);
        Assert.Contains("production → 1", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_official_openai_client_works_unchanged()
    {
        // tests/openai-client: OpenAI's own Node client (npm `openai`, installed by test.sh with npm ci) used as an application uses it.
        var folder = Path.Combine(RepositoryRoot(), "tests", "openai-client");
        var (text, promptTokens, completionTokens) = Expected(Prompt, 10);
        var node = new System.Diagnostics.ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "check.mjs", $"{_client.BaseAddress}v1", "app-secret-0123456789", "m@production", Prompt }) node.ArgumentList.Add(argument);

        using var process = System.Diagnostics.Process.Start(node)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 0, await errors);
        var seen = JsonNode.Parse(await output)!;
        Assert.Equal(["m@production"], seen["models"]!.AsArray().Select(m => (string?)m));
        Assert.Equal(text, (string?)seen["completion"]!["text"]);
        Assert.Equal(text, (string?)seen["chat"]!["text"]);
        Assert.Equal("assistant", (string?)seen["chat"]!["role"]);
        Assert.Equal(text, (string?)seen["stream"]!["text"]);
        Assert.Equal(promptTokens + completionTokens, (int)seen["stream"]!["usage"]!["total_tokens"]!);
        Assert.Equal(("NotFoundError", 404, "model"), ((string?)seen["error"]!["name"], (int)seen["error"]!["status"]!, (string?)seen["error"]!["param"]));
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Pipelines.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("the tests run outside the repository");
    }
}
