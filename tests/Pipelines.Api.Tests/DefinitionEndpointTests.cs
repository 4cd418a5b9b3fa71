using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

public sealed class DefinitionEndpointTests
{
    [Fact]
    public async Task Health_check_answers_ok()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await Json.ReadAsync(response))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Publishing_creates_a_version_and_identical_content_returns_it()
    {
        await using var server = await TestServer.StartAsync();
        using var first = await server.PublishAsync(Yaml.Hello);
        var created = await Json.ReadAsync(first);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("hello", created["name"]!.GetValue<string>());
        Assert.Equal(1, created["version"]!.GetValue<int>());
        Assert.True(created["created"]!.GetValue<bool>());

        // The same text as JSON {"yaml": ...}: already published, so 200 and the same version.
        using var again = await server.PostJsonAsync("/api/definitions", new JsonObject { ["yaml"] = Yaml.Hello });
        var existing = await Json.ReadAsync(again);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, existing["version"]!.GetValue<int>());
        Assert.False(existing["created"]!.GetValue<bool>());
        Assert.Equal(created["hash"]!.GetValue<string>(), existing["hash"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_invalid_pipeline_is_refused_with_its_diagnostics_and_lines()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.PublishAsync(Yaml.UnknownActivity);
        var body = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var diagnostic = Assert.Single(body["diagnostics"]!.AsArray())!;
        Assert.Equal(9, diagnostic["line"]!.GetValue<int>());
        Assert.True(diagnostic["column"]!.GetValue<int>() >= 1);
        Assert.Contains("core.nothing", diagnostic["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(diagnostic["code"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(body["error"]!.GetValue<string>()));

        using var list = await server.Client.GetAsync("/api/definitions");
        Assert.Empty((await Json.ReadAsync(list))["definitions"]!.AsArray()); // nothing was stored
    }

    [Fact]
    public async Task Yaml_syntax_errors_name_their_line()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.PublishAsync("apiVersion: pipelines/v1\nkind: Pipeline\nmetadata: [unclosed\n");
        var body = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(body["diagnostics"]!.AsArray(), d => d!["line"]!.GetValue<int>() >= 3);
    }

    [Fact]
    public async Task Validate_reports_valid_or_diagnostics_and_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var ok = await server.Client.PostAsync("/api/definitions/validate", new StringContent(Yaml.Hello, Encoding.UTF8, "text/yaml"));
        var valid = await Json.ReadAsync(ok);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(valid["valid"]!.GetValue<bool>());
        Assert.Equal("hello", valid["name"]!.GetValue<string>());

        using var bad = await server.Client.PostAsync("/api/definitions/validate", new StringContent(Yaml.UnknownActivity, Encoding.UTF8, "text/yaml"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotEmpty((await Json.ReadAsync(bad))["diagnostics"]!.AsArray());

        using var versions = await server.Client.GetAsync("/api/definitions/hello/versions");
        Assert.Equal(HttpStatusCode.NotFound, versions.StatusCode);
    }

    [Fact]
    public async Task Versions_can_be_listed_shown_and_retracted()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).Dispose();
        (await server.PublishAsync(Yaml.Hello.Replace("Hello,", "Hi,", StringComparison.Ordinal))).Dispose();

        using var list = await server.Client.GetAsync("/api/definitions");
        var hello = Assert.Single((await Json.ReadAsync(list))["definitions"]!.AsArray())!;
        Assert.Equal("hello", hello["name"]!.GetValue<string>());
        Assert.Equal(2, hello["latestVersion"]!.GetValue<int>());

        using var versions = await server.Client.GetAsync("/api/definitions/hello/versions");
        Assert.Equal([1, 2], (await Json.ReadAsync(versions))["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));

        using var show = await server.Client.GetAsync("/api/definitions/hello/versions/2");
        var shown = await Json.ReadAsync(show);
        Assert.Equal(HttpStatusCode.OK, show.StatusCode);
        Assert.Contains("Hi, ${{ params.who }}!", shown["yaml"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, shown["pipeline"]!["params"]!["times"]!["default"]!.GetValue<long>()); // the parsed form, typed
        Assert.Equal("core.echo@1", shown["pipeline"]!["steps"]!["greet"]!["uses"]!.GetValue<string>());
        Assert.Null(shown["retractedAt"]);
        Assert.Equal(64, shown["hash"]!.GetValue<string>().Length);
        Assert.NotNull(shown["publishedAt"]);

        using var retract = await server.Client.PostAsync("/api/definitions/hello/versions/2/retract", null);
        Assert.Equal(HttpStatusCode.OK, retract.StatusCode);
        Assert.NotNull((await Json.ReadAsync(retract))["retractedAt"]);

        using var afterRetract = await server.Client.GetAsync("/api/definitions");
        Assert.Equal(1, (await Json.ReadAsync(afterRetract))["definitions"]![0]!["latestVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task Latest_shows_the_newest_version_not_retracted_and_404s_when_every_one_is()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).Dispose();
        (await server.PublishAsync(Yaml.Hello.Replace("Hello,", "Hi,", StringComparison.Ordinal))).Dispose();

        using var latest = await server.Client.GetAsync("/api/definitions/hello/versions/latest");
        var shown = await Json.ReadAsync(latest);
        Assert.Equal(2, shown["version"]!.GetValue<int>());
        Assert.Contains("Hi, ${{ params.who }}!", shown["yaml"]!.GetValue<string>(), StringComparison.Ordinal);

        (await server.Client.PostAsync("/api/definitions/hello/versions/2/retract", null)).Dispose();
        using var afterOne = await server.Client.GetAsync("/api/definitions/hello/versions/latest");
        Assert.Equal(1, (await Json.ReadAsync(afterOne))["version"]!.GetValue<int>());

        (await server.Client.PostAsync("/api/definitions/hello/versions/1/retract", null)).Dispose();
        using var none = await server.Client.GetAsync("/api/definitions/hello/versions/latest");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("every version of hello is retracted", (await Json.ReadAsync(none))["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/definitions/nobody/versions")]
    [InlineData("/api/definitions/nobody/versions/1")]
    [InlineData("/api/definitions/hello/versions/7")]
    [InlineData("/api/definitions/nobody/versions/latest")]
    [InlineData("/api/no-such-endpoint")]
    public async Task Unknown_names_and_versions_are_404_with_an_error(string path)
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).Dispose();
        using var response = await server.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await Json.ReadAsync(response))["error"]!.GetValue<string>()));

        using var retract = await server.Client.PostAsync("/api/definitions/nobody/versions/1/retract", null);
        Assert.Equal(HttpStatusCode.NotFound, retract.StatusCode);
    }

    [Fact]
    public async Task Activities_and_schema_come_from_the_catalog()
    {
        await using var server = await TestServer.StartAsync();
        var activities = JsonNode.Parse(await server.Client.GetStringAsync("/api/activities"))!.AsArray();
        Assert.Contains(activities, a => a!.ToJsonString().Contains("core.echo", StringComparison.Ordinal));

        var schema = JsonNode.Parse(await server.Client.GetStringAsync("/api/schema"))!;
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema["$schema"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_malformed_body_is_a_json_400_not_a_crash()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Client.PostAsync("/api/runs", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", (await Json.ReadAsync(response))["error"]!.GetValue<string>(), StringComparison.Ordinal);

        using var limit = await server.Client.GetAsync("/api/runs?limit=abc");
        Assert.Equal(HttpStatusCode.BadRequest, limit.StatusCode);
        Assert.NotNull((await Json.ReadAsync(limit))["error"]);
    }
}
