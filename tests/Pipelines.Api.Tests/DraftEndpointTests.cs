using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Pipelines.Api.Tests;

public sealed class DraftEndpointTests
{
    /// <summary>A draft with a schedule that runs every second and a step that does not validate yet.</summary>
    private const string Unfinished = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: unfinished
        triggers:
          - schedule: "* * * * * ?"
        steps:
          first:
            uses: core.nothing@1   # still being designed
        """;

    private static Task<HttpResponseMessage> SaveAsync(TestServer server, string name, string yaml) =>
        server.Client.PutAsync($"/api/drafts/{name}", new StringContent(yaml, Encoding.UTF8, "application/yaml"));

    [Fact]
    public async Task A_draft_is_saved_as_written_even_invalid_and_is_neither_published_nor_scheduled()
    {
        await using var server = await TestServer.StartAsync();
        using (var saved = await SaveAsync(server, "unfinished", Unfinished))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            Assert.Equal("unfinished", (await Json.ReadAsync(saved))["name"]!.GetValue<string>());
        }

        using (var read = await server.Client.GetAsync("/api/drafts/unfinished"))
        {
            var body = await Json.ReadAsync(read);
            Assert.Equal(Unfinished, body["yaml"]!.GetValue<string>()); // byte for byte, the comment too
            Assert.NotNull(body["savedAt"]);
        }

        using (var list = await server.Client.GetAsync("/api/drafts"))
        {
            Assert.Equal(["unfinished"], (await Json.ReadAsync(list))["drafts"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
        }

        using (var published = await server.Client.GetAsync("/api/definitions"))
        {
            Assert.Empty((await Json.ReadAsync(published))["definitions"]!.AsArray());
        }

        using (var schedules = await server.Client.GetAsync("/api/schedules"))
        {
            Assert.DoesNotContain("unfinished", await schedules.Content.ReadAsStringAsync());
        }

        using (var runs = await server.Client.GetAsync("/api/runs"))
        {
            Assert.DoesNotContain("unfinished", await runs.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Saving_again_replaces_the_draft_and_deleting_it_leaves_none()
    {
        await using var server = await TestServer.StartAsync();
        using (await SaveAsync(server, "hello", Yaml.Hello)) { }
        using (var again = await server.Client.PutAsJsonAsync("/api/drafts/hello", new { yaml = Yaml.Hello.Replace("world", "drafts") }))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using (var read = await server.Client.GetAsync("/api/drafts/hello"))
        {
            Assert.Contains("default: drafts", (await Json.ReadAsync(read))["yaml"]!.GetValue<string>());
        }

        using (var deleted = await server.Client.DeleteAsync("/api/drafts/hello")) Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using (var gone = await server.Client.GetAsync("/api/drafts/hello"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Contains("no draft of 'hello'", (await Json.ReadAsync(gone))["error"]!.GetValue<string>());
        }

        using (var again = await server.Client.DeleteAsync("/api/drafts/hello")) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task A_draft_needs_a_pipeline_name_and_at_most_a_pipeline_s_size()
    {
        await using var server = await TestServer.StartAsync();
        using (var badName = await SaveAsync(server, "Not_A_Name", Yaml.Hello))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
            Assert.NotNull((await Json.ReadAsync(badName))["hint"]);
        }

        using var huge = await SaveAsync(server, "huge", new string('#', 1024 * 1024 + 1));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }
}
