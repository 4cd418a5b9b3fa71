using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

/// <summary>
/// The limits of <c>/v1</c>: requests per minute per bearer token (ASP.NET Core's rate limiter, OpenAI's 429 with
/// <c>Retry-After</c>), the body's size (413) and the prompt's length in tokens (400 naming <c>prompt</c>). Each test
/// starts its own host with the settings it checks.
/// </summary>
[Collection(OpenAiTestHost.Collection)]
public sealed class OpenAiLimitTests : IAsyncLifetime
{
    private const string AppSecret = "app-secret-0123456789";
    private const string OtherSecret = "other-secret-0123456789";
    private readonly string _data = Directory.CreateTempSubdirectory("pipelines-openai-limits-test-").FullName;
    private readonly List<(ApiServer Server, HttpClient Client)> _hosts = [];

    public async Task InitializeAsync()
    {
        var export = OpenAiTestHost.Export(Path.Combine(_data, "exports", "int8"), seed: 3);
        await OpenAiTestHost.RegisterAsync(_data, export);
    }

    public Task DisposeAsync() => OpenAiTestHost.StopAsync(_hosts, _data);

    private async Task<HttpClient> StartAsync(Dictionary<string, string?> serving)
    {
        var host = await OpenAiTestHost.StartAsync(_data, ["m@production"], serving, null,
            ("app", AppSecret, ["inference"]), ("other", OtherSecret, ["inference"]));
        _hosts.Add(host);
        return host.Item2;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string secret, HttpContent body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client.SendAsync(request);
    }

    private static StringContent Completion(string prompt) =>
        new(new JsonObject { ["model"] = "m@production", ["prompt"] = prompt, ["max_tokens"] = 1, ["temperature"] = 0 }.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<JsonNode> ErrorOf(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

    [Fact]
    public async Task The_third_request_in_a_minute_of_a_two_a_minute_token_is_refused_with_retry_after_while_another_token_goes_on()
    {
        var client = await StartAsync(new() { ["RequestsPerMinute"] = "2" });

        using var first = await PostAsync(client, AppSecret, Completion("Hello"));
        using var second = await PostAsync(client, AppSecret, Completion("Hello"));
        using var third = await PostAsync(client, AppSecret, Completion("Hello"));
        using var other = await PostAsync(client, OtherSecret, Completion("Hello"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("rate_limit_error", (string?)(await ErrorOf(third))["type"]);
        var retryAfter = third.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {third.Headers.RetryAfter}");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task A_body_over_MaxRequestBytes_is_refused_with_413_whether_or_not_it_says_its_length()
    {
        var client = await StartAsync(new() { ["MaxRequestBytes"] = "1024" });
        var large = new string('x', 2000);

        using var declared = await PostAsync(client, AppSecret, Completion(large));
        using var chunked = await PostAsync(client, AppSecret, new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(
            new JsonObject { ["model"] = "m@production", ["prompt"] = large }.ToJsonString()))) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });
        using var small = await PostAsync(client, AppSecret, Completion("Hello"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Contains("Serving:MaxRequestBytes", (string?)(await ErrorOf(declared))["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal("invalid_request_error", (string?)(await ErrorOf(chunked))["type"]);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task A_prompt_over_MaxPromptTokens_is_a_400_naming_prompt()
    {
        var client = await StartAsync(new() { ["MaxPromptTokens"] = "8" });

        using var longer = await PostAsync(client, AppSecret, Completion(string.Concat(Enumerable.Repeat("word ", 20))));
        using var shorter = await PostAsync(client, AppSecret, Completion("Hi"));

        Assert.Equal(HttpStatusCode.BadRequest, longer.StatusCode);
        var error = await ErrorOf(longer);
        Assert.Equal("prompt", (string?)error["param"]);
        Assert.Contains("at most 8", (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, shorter.StatusCode);
    }

    [Fact]
    public async Task Without_MaxPromptTokens_a_prompt_that_fills_the_context_window_is_a_400_naming_prompt()
    {
        var client = await StartAsync([]);

        using var response = await PostAsync(client, AppSecret, Completion(string.Concat(Enumerable.Repeat("word ", 600))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("prompt", (string?)error["param"]);
        Assert.Contains("context window of 512", (string?)error["message"], StringComparison.Ordinal);
    }
}
