using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Pipelines.Api.Tests;

/// <summary>
/// Bodies a hostile or careless client sends to every endpoint that reads JSON: each is a 400 in the API's error shape
/// naming the problem (the field and byte offset where there is one), never a 500.
/// </summary>
public sealed class MalformedBodyTests : IAsyncLifetime
{
    /// <summary>Every endpoint that takes a JSON body, and a body it would accept.</summary>
    public static TheoryData<string> JsonEndpoints => new() { "/api/runs", "/api/definitions", "/api/definitions/validate", "/api/reviews/nope/decision" };

    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        (await _server.PublishAsync(Yaml.Hello)).Dispose();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task A_key_given_twice_is_a_400_naming_the_key(string path)
    {
        var error = await RefusedAsync(path, """{"pipeline": "hello", "yaml": "x", "decision": "approve", "comment": "a", "comment": "b"}""");

        Assert.Equal("the key 'comment' appears twice in the body (byte 74)", error);
    }

    [Fact]
    public async Task A_key_given_twice_deep_inside_names_where()
    {
        var error = await RefusedAsync("/api/runs", """{"pipeline": "hello", "params": {"who": "a", "who": "b"}}""");

        Assert.Equal("the key 'who' appears twice in 'params' (byte 45)", error);
    }

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task A_string_that_is_not_utf8_is_a_400_naming_the_field(string path)
    {
        byte[] body = [.. "{\"comment\": \"caf"u8, 0xE9, .. "\"}"u8]; // é in Latin-1, not UTF-8

        var error = await RefusedAsync(path, body);

        Assert.Equal("'comment' is not UTF-8 text (byte 12)", error);
    }

    [Fact]
    public async Task A_lone_surrogate_escape_is_not_text_either()
    {
        var error = await RefusedAsync("/api/runs", """{"pipeline": "hello", "params": {"who": "\ud800"}}""");

        Assert.Equal("'params.who' is not UTF-8 text (byte 40)", error);
    }

    [Fact]
    public async Task A_key_that_is_not_utf8_names_its_object()
    {
        byte[] body = [.. "{\"params\": {\""u8, 0xFF, .. "\": 1}}"u8];

        Assert.Equal("a key in 'params' is not UTF-8 text (byte 12)", await RefusedAsync("/api/runs", body));
    }

    /// <summary>What a fuzzing client tries first; each must be a 4xx with the API's <c>{error}</c> body.</summary>
    [Theory]
    [InlineData("/api/runs", "application/json", "{\"pipeline\": ")]
    [InlineData("/api/runs", "application/json", "[{\"pipeline\": \"hello\"}]")]
    [InlineData("/api/runs", "application/json", "\"hello\"")]
    [InlineData("/api/runs", "application/json", "null")]
    [InlineData("/api/runs", "application/json", "{}{}")]
    [InlineData("/api/runs", "application/json", "   ")]
    [InlineData("/api/runs", "application/json", "\uFEFF{\"pipeline\": \"hello\"}")]
    [InlineData("/api/runs", "application/json", "{\"pipeline\": 5, \"params\": [1], \"noCache\": \"yes\", \"timeout\": 3}")]
    [InlineData("/api/runs", "application/json", "{\"pipeline\": \"hello@99999999999999999999\"}")]
    [InlineData("/api/runs", "application/json", "{\"pipeline\": \"hello\", \"params\": {\"times\": 1e999999}}")]
    [InlineData("/api/runs", "application/json", "{\"pipeline\": \"hello\", \"params\": {\"times\": 123456789012345678901234567890}}")]
    [InlineData("/api/runs", "application/json", "{\"pipeline\": \"hello\", \"timeout\": \"99999999999999999999d\"}")]
    [InlineData("/api/runs", "text/csv", "a,b")]
    [InlineData("/api/runs", "application/json", "")]
    [InlineData("/api/definitions", "application/json", "{\"yaml\": 12}")]
    [InlineData("/api/definitions", "application/xml", "<pipeline/>")]
    [InlineData("/api/reviews/nope/decision", "application/json", "{\"decision\": 5, \"scores\": {\"a\": 1e999}, \"comment\": []}")]
    public async Task Malformed_bodies_are_client_errors_never_500(string path, string contentType, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await _server.Client.PostAsync(path, content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode}: {text}");
        Assert.NotNull(JsonNode.Parse(text)!["error"]);
    }

    [Fact]
    public async Task A_zero_run_timeout_is_refused_saying_why()
    {
        var error = await RefusedAsync("/api/runs", "{\"pipeline\": \"hello\", \"timeout\": \"0s\"}");

        Assert.Equal("the run cannot start: 'timeout' must be longer than zero: a run given no time fails before it starts; leave it out for no limit", error);
    }

    [Fact]
    public async Task Nesting_deeper_than_the_reader_allows_is_a_400()
    {
        var error = await RefusedAsync("/api/runs", new string('[', 5000) + new string(']', 5000));

        Assert.StartsWith("the body is not valid JSON: The maximum configured depth of 64", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_number_param_beyond_the_range_of_a_double_is_refused_before_the_run_exists()
    {
        (await _server.PublishAsync(Yaml.Hello.Replace("name: hello", "name: ratio", StringComparison.Ordinal)
            .Replace("times: { type: integer, default: 1 }", "ratio: { type: number, default: 0.5 }", StringComparison.Ordinal))).Dispose();

        using var response = await _server.Client.PostAsync("/api/runs",
            new StringContent("""{"pipeline": "ratio", "params": {"ratio": 1e400}}""", Encoding.UTF8, "application/json"));

        var body = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("param 'ratio' is 1e400, beyond the largest number (about 1.8e308)", body["problems"]![0]!.GetValue<string>());
        using var runs = await _server.Client.GetAsync("/api/runs");
        Assert.Empty((await Json.ReadAsync(runs))["runs"]!.AsArray());
    }

    [Fact]
    public async Task A_real_fault_is_still_a_500_without_a_trace_not_blamed_on_the_client()
    {
        // A table dropped under the running server: the fault is ours (or the operator's), not the request's.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_server.DataDirectory, "pipelines.db")};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE runs";
            drop.ExecuteNonQuery();
        }

        using var response = await _server.Client.GetAsync("/api/runs");

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("the server hit an unexpected error", JsonNode.Parse(text)!["error"]!.GetValue<string>());
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("runs", text, StringComparison.Ordinal);
    }

    private Task<string> RefusedAsync(string path, string body) => RefusedAsync(path, Encoding.UTF8.GetBytes(body));

    /// <summary>Posts <paramref name="body"/> as JSON, asserts a 400, and returns its <c>error</c>.</summary>
    private async Task<string> RefusedAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await _server.Client.PostAsync(path, content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["error"]!.GetValue<string>();
    }
}
