using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

/// <summary>
/// Under <c>serve</c>, inputs naming local files must stay in the data directory or a configured root
/// (<c>Files:Roots</c>): an author cannot make the server read, store or show whatever its account can read.
/// </summary>
public sealed class FileRootTests : IDisposable
{
    private const string PrivateLine = "private-line-9f2c";

    private readonly string _outside = Directory.CreateTempSubdirectory("pipelines-api-outside-").FullName;

    public FileRootTests() =>
        File.WriteAllText(Dataset, $$"""{"input": "{{PrivateLine}}", "output": "{{PrivateLine}}"}""" + "\n");

    private string Dataset => Path.Combine(_outside, "private.jsonl");

    public void Dispose() => Directory.Delete(_outside, recursive: true);

    private string Review => $$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: review-probe }
        steps:
          review:
            uses: gate.human@1
            with:
              title: Look
              dataset: {{Dataset}}
              sample_size: 1
        """;

    [Fact]
    public async Task A_review_dataset_outside_the_roots_fails_the_step_and_no_viewer_sees_its_lines()
    {
        await using var server = await TestServer.StartWithSettingsAsync(new Dictionary<string, string?>());
        using (var published = await server.PublishAsync(Review)) Assert.True(published.IsSuccessStatusCode);

        var report = await server.WaitForRunAsync(await server.StartRunAsync("review-probe"), "waiting");

        Assert.Equal("failed", report["status"]!.GetValue<string>());
        Assert.StartsWith($"input 'dataset': {Dataset} is outside the folders this process may read ({server.DataDirectory}); ", Error(report, "review"),
            StringComparison.Ordinal);
        using var reviews = await server.Client.GetAsync("/api/reviews");
        Assert.Empty((await Json.ReadAsync(reviews))["reviews"]!.AsArray());
        Assert.DoesNotContain(PrivateLine, report.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_root_lets_a_review_draw_its_dataset_from_it()
    {
        await using var server = await TestServer.StartWithSettingsAsync(new Dictionary<string, string?> { ["Files:Roots:0"] = _outside });
        using (var published = await server.PublishAsync(Review)) Assert.True(published.IsSuccessStatusCode);

        var report = await server.WaitForRunAsync(await server.StartRunAsync("review-probe"), "waiting");

        Assert.Equal("waiting", report["status"]!.GetValue<string>());
        using var reviews = await server.Client.GetAsync("/api/reviews");
        var review = Assert.Single((await Json.ReadAsync(reviews))["reviews"]!.AsArray())!;
        using var shown = await server.Client.GetAsync($"/api/reviews/{review["id"]!.GetValue<string>()}");
        Assert.Contains(PrivateLine, (await Json.ReadAsync(shown)).ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hosted_curation_refuses_etc_passwd_as_its_source()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: passwd-probe }
            steps:
              curate:
                uses: data.curate@1
                with:
                  source: /etc/passwd
                  format: jsonl
            """;
        await using var server = await TestServer.StartWithSettingsAsync(new Dictionary<string, string?>());
        using (var published = await server.PublishAsync(yaml)) Assert.True(published.IsSuccessStatusCode);

        var report = await server.WaitForRunAsync(await server.StartRunAsync("passwd-probe"));

        Assert.Equal("failed", report["status"]!.GetValue<string>());
        Assert.StartsWith("input 'source': /etc/passwd is outside the folders this process may read", Error(report, "curate"), StringComparison.Ordinal);
        // Nothing was read, so nothing was quarantined: no artifact at all.
        var artifacts = Path.Combine(server.DataDirectory, "artifacts");
        Assert.Empty(Directory.Exists(artifacts) ? Directory.EnumerateFiles(artifacts, "*", SearchOption.AllDirectories) : []);
    }

    [Theory]
    [InlineData("relative/data", "Files:Roots:0 'relative/data' is not an absolute path")]
    [InlineData("/no/such/folder/anywhere", "Files:Roots:0 /no/such/folder/anywhere is not an existing folder")]
    public async Task A_root_that_is_not_an_existing_absolute_folder_stops_the_server_from_starting(string root, string problem)
    {
        var data = Directory.CreateTempSubdirectory("pipelines-api-test-").FullName;
        try
        {
            var error = await Assert.ThrowsAsync<ApiConfigurationException>(() => TestServer.StartWithSettingsAsync(new Dictionary<string, string?> { ["Files:Roots:0"] = root }, data));

            Assert.Equal($"Files:Roots is not usable: {problem}", error.Message);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static string Error(JsonObject report, string step) =>
        report["steps"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == step)!["error"]!.GetValue<string>();
}
