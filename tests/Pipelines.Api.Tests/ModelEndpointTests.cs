using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Registry;

namespace Pipelines.Api.Tests;

/// <summary><c>/api/models</c>: reading the registry, moving and rolling back aliases as the token's name, roles, 404s and malformed bodies.</summary>
public sealed class ModelEndpointTests
{
    private const string ViewerSecret = "viewer-secret-0123456789";
    private const string OperatorSecret = "operator-secret-012345678";

    /// <summary>A server with a viewer (vera) and an operator (otto), and email-subjects versions 1 to 3 registered.</summary>
    private static async Task<TestServer> SeededAsync()
    {
        var server = await TestServer.StartAsync(null, ("vera", ViewerSecret, ["viewer"]), ("otto", OperatorSecret, ["operator"]));
        for (var i = 1; i <= 3; i++)
        {
            await server.Server.Engine.Registry.RegisterAsync("email-subjects", new ModelVersionDraft
            {
                Source = $"artifact://sha256/{i:D64}",
                BaseModel = "qwen-0.5b",
                Dataset = "easy-ham-1",
                RunId = $"run-{i}",
                StepId = "train",
                Metrics = new JsonObject { ["rougeL"] = 0.3 + (i / 100.0) },
                Review = "approved",
                Tags = new Dictionary<string, string> { ["team"] = "mail" },
            }, CancellationToken.None);
        }

        return server;
    }

    private static Task<HttpResponseMessage> PutJsonAsync(TestServer server, string path, string body) =>
        server.Client.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private static Task<HttpResponseMessage> PostRawAsync(TestServer server, string path, string body) =>
        server.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<JsonObject> OkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body.ToJsonString()}");
        return body;
    }

    private static async Task<JsonObject> ErrorAsync(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        using var response = await call;
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}, not {expected}: {body.ToJsonString()}");
        Assert.False(string.IsNullOrEmpty(body["error"]?.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(body["hint"]?.GetValue<string>()));
        return body;
    }

    [Fact]
    public async Task A_viewer_lists_models_and_reads_versions_oldest_first()
    {
        await using var server = await SeededAsync();
        server.UseToken(ViewerSecret);

        var models = (await OkAsync(server.Client.GetAsync("/api/models")))["models"]!.AsArray();
        var model = Assert.Single(models)!;
        Assert.Equal(("email-subjects", 3), (model["name"]!.GetValue<string>(), model["latestVersion"]!.GetValue<int>()));
        Assert.EndsWith("Z", model["createdAt"]!.GetValue<string>());
        Assert.Empty(model["aliases"]!.AsObject());

        var shown = await OkAsync(server.Client.GetAsync("/api/models/email-subjects"));
        Assert.Equal(3, shown["latestVersion"]!.GetValue<int>());

        var versions = (await OkAsync(server.Client.GetAsync("/api/models/email-subjects/versions")))["versions"]!.AsArray();
        Assert.Equal([1, 2, 3], versions.Select(v => v!["version"]!.GetValue<int>()));

        var second = await OkAsync(server.Client.GetAsync("/api/models/email-subjects/versions/2"));
        Assert.Equal("email-subjects", second["model"]!.GetValue<string>());
        Assert.Equal($"artifact://sha256/{2:D64}", second["source"]!.GetValue<string>());
        Assert.Equal(("qwen-0.5b", "easy-ham-1", "run-2", "train"),
            (second["baseModel"]!.GetValue<string>(), second["dataset"]!.GetValue<string>(), second["runId"]!.GetValue<string>(), second["stepId"]!.GetValue<string>()));
        Assert.Equal(0.32, second["metrics"]!["rougeL"]!.GetValue<double>(), 6);
        Assert.Equal("approved", second["review"]!.GetValue<string>());
        Assert.Equal("mail", second["tags"]!["team"]!.GetValue<string>());
        Assert.Null(second["adapter"]);
        Assert.Null(second["variant"]);
        Assert.True(second.ContainsKey("registeredAt"));
    }

    [Fact]
    public async Task An_operator_moves_an_alias_as_its_token_with_the_reason_and_the_history_records_it()
    {
        await using var server = await SeededAsync();
        server.UseToken(OperatorSecret);

        var first = await OkAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/production", """{"version": 1}"""));
        Assert.Null(first["from"]);
        Assert.Equal(1, first["to"]!.GetValue<int>());
        var moved = await OkAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/production", """{"version": 3, "reason": "better ROUGE-L"}"""));
        Assert.Equal(("email-subjects", "production", 1, 3), (moved["model"]!.GetValue<string>(), moved["alias"]!.GetValue<string>(), moved["from"]!.GetValue<int>(), moved["to"]!.GetValue<int>()));
        Assert.Equal(("otto", "better ROUGE-L", false), (moved["actor"]!.GetValue<string>(), moved["reason"]!.GetValue<string>(), moved["rollback"]!.GetValue<bool>()));
        Assert.EndsWith("Z", moved["at"]!.GetValue<string>());

        server.UseToken(ViewerSecret);
        var resolved = await OkAsync(server.Client.GetAsync("/api/models/email-subjects/aliases/production"));
        Assert.Equal(3, resolved["version"]!.GetValue<int>());
        var model = await OkAsync(server.Client.GetAsync("/api/models/email-subjects"));
        Assert.Equal(3, model["aliases"]!["production"]!.GetValue<int>());

        server.UseToken(OperatorSecret);
        await OkAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/staging", """{"version": 2}"""));
        server.UseToken(ViewerSecret);
        var history = (await OkAsync(server.Client.GetAsync("/api/models/email-subjects/history?alias=production")))["moves"]!.AsArray();
        Assert.Equal([(1, "otto", (string?)null), (3, "otto", "better ROUGE-L")],
            history.Select(m => (m!["to"]!.GetValue<int>(), m["actor"]!.GetValue<string>(), m["reason"]?.GetValue<string>())));
        var all = (await OkAsync(server.Client.GetAsync("/api/models/email-subjects/history")))["moves"]!.AsArray();
        Assert.Equal(["production", "production", "staging"], all.Select(m => m!["alias"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Rollback_returns_the_alias_to_its_previous_target_and_an_empty_body_is_enough()
    {
        await using var server = await SeededAsync();
        server.UseToken(OperatorSecret);
        await OkAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/production", """{"version": 1}"""));

        // One target only: nothing to roll back to, a 400 with the registry's words.
        await ErrorAsync(PostRawAsync(server, "/api/models/email-subjects/aliases/production/rollback", ""), HttpStatusCode.BadRequest);

        await OkAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/production", """{"version": 2}"""));
        var back = await OkAsync(PostRawAsync(server, "/api/models/email-subjects/aliases/production/rollback", """{"reason": "v2 regressed"}"""));
        Assert.Equal((2, 1, true, "otto", "v2 regressed"),
            (back["from"]!.GetValue<int>(), back["to"]!.GetValue<int>(), back["rollback"]!.GetValue<bool>(), back["actor"]!.GetValue<string>(), back["reason"]!.GetValue<string>()));

        using var empty = await server.Client.PostAsync("/api/models/email-subjects/aliases/production/rollback", null);
        var again = await Json.ReadAsync(empty);
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Equal(2, again["to"]!.GetValue<int>());
        Assert.Null(again["reason"]);
    }

    [Fact]
    public async Task A_viewer_may_not_move_or_roll_back_an_alias()
    {
        await using var server = await SeededAsync();
        server.UseToken(ViewerSecret);
        using (var put = await PutJsonAsync(server, "/api/models/email-subjects/aliases/production", """{"version": 1}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        }

        using (var rollback = await PostRawAsync(server, "/api/models/email-subjects/aliases/production/rollback", "{}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, rollback.StatusCode);
        }

        Assert.Empty(await server.Server.Engine.Registry.HistoryAsync("email-subjects", null, CancellationToken.None));
    }

    [Fact]
    public async Task Unknown_models_versions_and_aliases_are_404_with_error_and_hint()
    {
        await using var server = await SeededAsync();
        server.UseToken(OperatorSecret);

        await ErrorAsync(server.Client.GetAsync("/api/models/no-such-model"), HttpStatusCode.NotFound);
        await ErrorAsync(server.Client.GetAsync("/api/models/no-such-model/versions"), HttpStatusCode.NotFound);
        await ErrorAsync(server.Client.GetAsync("/api/models/no-such-model/versions/1"), HttpStatusCode.NotFound);
        await ErrorAsync(server.Client.GetAsync("/api/models/no-such-model/history"), HttpStatusCode.NotFound);
        await ErrorAsync(server.Client.GetAsync("/api/models/no-such-model/aliases/production"), HttpStatusCode.NotFound);
        var version = await ErrorAsync(server.Client.GetAsync("/api/models/email-subjects/versions/9"), HttpStatusCode.NotFound);
        Assert.Contains("1 to 3", version["hint"]!.GetValue<string>());
        await ErrorAsync(server.Client.GetAsync("/api/models/email-subjects/aliases/production"), HttpStatusCode.NotFound);

        await ErrorAsync(PutJsonAsync(server, "/api/models/no-such-model/aliases/production", """{"version": 1}"""), HttpStatusCode.NotFound);
        await ErrorAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/production", """{"version": 9}"""), HttpStatusCode.NotFound);
        await ErrorAsync(PostRawAsync(server, "/api/models/no-such-model/aliases/production/rollback", ""), HttpStatusCode.NotFound);
        await ErrorAsync(PostRawAsync(server, "/api/models/email-subjects/aliases/production/rollback", ""), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{}""", "'version' is required")]
    [InlineData("""{"version": "3"}""", "'version' must be a whole number")]
    [InlineData("""{"version": 1.5}""", "'version' must be a whole number")]
    [InlineData("""{"version": 0}""", "'version' must be a whole number")]
    [InlineData("""{"version": 1, "reason": 7}""", "'reason' must be a string")]
    [InlineData("""{"version": 1, "by": "me"}""", "unknown field 'by'")]
    [InlineData("""{"version": 1, "version": 2}""", "appears twice")]
    [InlineData("""[1]""", "must be a JSON object")]
    [InlineData("""{"version": 1""", "not valid JSON")]
    public async Task A_malformed_move_is_a_400_naming_the_field(string body, string expected)
    {
        await using var server = await SeededAsync();
        server.UseToken(OperatorSecret);
        var error = await ErrorAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/production", body), HttpStatusCode.BadRequest);
        Assert.Contains(expected, error["error"]!.GetValue<string>());
        Assert.Empty(await server.Server.Engine.Registry.HistoryAsync("email-subjects", null, CancellationToken.None));
    }

    [Fact]
    public async Task An_invalid_alias_name_and_a_malformed_rollback_are_400s()
    {
        await using var server = await SeededAsync();
        server.UseToken(OperatorSecret);
        var invalid = await ErrorAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/Prod!", """{"version": 1}"""), HttpStatusCode.BadRequest);
        Assert.Contains("not a valid alias name", invalid["error"]!.GetValue<string>());

        await OkAsync(PutJsonAsync(server, "/api/models/email-subjects/aliases/production", """{"version": 1}"""));
        var unknown = await ErrorAsync(PostRawAsync(server, "/api/models/email-subjects/aliases/production/rollback", """{"version": 1}"""), HttpStatusCode.BadRequest);
        Assert.Contains("unknown field 'version'", unknown["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_tokens_a_move_is_made_as_local()
    {
        await using var server = await TestServer.StartAsync();
        await server.Server.Engine.Registry.RegisterAsync("tiny", new ModelVersionDraft { Source = "/models/tiny" }, CancellationToken.None);
        var moved = await OkAsync(PutJsonAsync(server, "/api/models/tiny/aliases/staging", """{"version": 1}"""));
        Assert.Equal("local", moved["actor"]!.GetValue<string>());
    }
}
