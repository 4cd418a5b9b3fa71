using System.Net;

namespace Pipelines.Api.Tests;

/// <summary><c>GET /api/artifacts/sha256/{digest}</c> and <c>GET /api/runs/{id}/logs</c>, which the designer opens a step's report and log with.</summary>
public sealed class ArtifactAndLogEndpointTests
{
    [Fact]
    public async Task A_text_artifact_is_served_as_plain_text_in_a_sandbox_and_a_folder_lists_its_files_and_serves_each()
    {
        await using var server = await TestServer.StartAsync();
        var artifacts = server.Server.Engine.Artifacts;
        var card = await artifacts.PutTextAsync("# Dataset card\n<script>alert(1)</script>\n", "report", CancellationToken.None);
        var folder = Directory.CreateTempSubdirectory("pipelines-api-test-folder-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "plots"));
        await File.WriteAllTextAsync(Path.Combine(folder, "report.md"), "# Report\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "plots", "loss.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
        await File.WriteAllBytesAsync(Path.Combine(folder, "weights.bin"), [0, 1, 2, 3]);
        var report = await artifacts.PutDirectoryAsync(folder, "report", CancellationToken.None);
        Directory.Delete(folder, recursive: true);

        using (var text = await server.Client.GetAsync($"/api/artifacts/sha256/{card.Digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, text.StatusCode);
            Assert.Equal("text/plain", text.Content.Headers.ContentType!.MediaType);
            Assert.StartsWith("sandbox", text.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", text.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("# Dataset card\n<script>alert(1)</script>\n", await text.Content.ReadAsStringAsync());
        }

        using (var listing = await server.Client.GetAsync($"/api/artifacts/sha256/{report.Digest}"))
        {
            var files = (await Json.ReadAsync(listing))["files"]!.AsArray().Select(f => ((string)f!["path"]!, (long)f["bytes"]!)).ToList();
            Assert.Equal([("plots/loss.svg", 46L), ("report.md", 9L), ("weights.bin", 4L)], files);
        }

        using (var svg = await server.Client.GetAsync($"/api/artifacts/sha256/{report.Digest}?path=plots/loss.svg"))
        {
            Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
        }

        using (var binary = await server.Client.GetAsync($"/api/artifacts/sha256/{report.Digest}?path=weights.bin"))
        {
            Assert.Equal("application/octet-stream", binary.Content.Headers.ContentType!.MediaType);
            Assert.Equal("attachment", binary.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal([0, 1, 2, 3], await binary.Content.ReadAsByteArrayAsync());
        }

        using (var escape = await server.Client.GetAsync($"/api/artifacts/sha256/{report.Digest}?path=../../pipelines.db"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, escape.StatusCode);
            Assert.Contains("'..'", (string)(await Json.ReadAsync(escape))["error"]!, StringComparison.Ordinal);
        }

        using (var missing = await server.Client.GetAsync($"/api/artifacts/sha256/{report.Digest}?path=nope.txt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var unknown = await server.Client.GetAsync($"/api/artifacts/sha256/{new string('a', 64)}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using var malformed = await server.Client.GetAsync("/api/artifacts/sha256/xyz");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("not a sha256 digest", (string)(await Json.ReadAsync(malformed))["error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_runs_stored_log_lines_are_served_per_step()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).EnsureSuccessStatusCode();
        var id = await server.StartRunAsync("hello", new System.Text.Json.Nodes.JsonObject { ["who"] = "designer" });
        await server.WaitForRunAsync(id, "succeeded");

        using var logs = await server.Client.GetAsync($"/api/runs/{id}/logs?step=greet");
        var lines = (await Json.ReadAsync(logs))["lines"]!.AsArray();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Equal("greet", (string)l!["step"]!));
        Assert.Contains(lines, l => ((string)l!["line"]!).Contains("Hello, designer!", StringComparison.Ordinal));
        Assert.True(DateTimeOffset.TryParse((string)lines[0]!["at"]!, out _));

        // A step id is matched exactly: '_' is no wildcard, so say_hi's lines are not sayxhi's.
        (await server.PublishAsync("""
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata:
              name: lookalikes
            steps:
              say_hi:
                uses: core.echo@1
                with:
                  message: underscore
              sayxhi:
                uses: core.echo@1
                with:
                  message: letter
            """)).EnsureSuccessStatusCode();
        var lookalikes = await server.StartRunAsync("lookalikes");
        await server.WaitForRunAsync(lookalikes, "succeeded");
        using (var exact = await server.Client.GetAsync($"/api/runs/{lookalikes}/logs?step=say_hi"))
        {
            var said = (await Json.ReadAsync(exact))["lines"]!.AsArray();
            Assert.NotEmpty(said);
            Assert.All(said, l => Assert.Equal("say_hi", (string)l!["step"]!));
        }

        using var none = await server.Client.GetAsync($"/api/runs/{id}/logs?step=rest");
        Assert.Empty((await Json.ReadAsync(none))["lines"]!.AsArray());
        using var unknown = await server.Client.GetAsync("/api/runs/nope/logs");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
