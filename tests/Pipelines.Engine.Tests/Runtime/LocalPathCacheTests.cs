using System.Text.Json.Nodes;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>Inputs marked [LocalPath] are cached by what the path names, not only by the path's text.</summary>
public sealed class LocalPathCacheTests : IDisposable
{
    internal const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: local-path }
        params:
          path: { type: string, default: "" }
          paths: { type: list, default: [] }
        steps:
          read:
            uses: test.path_read@1
            with:
              path: ${{ params.path }}
              paths: ${{ params.paths }}
        """;

    private readonly TemporaryDataDirectory _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task An_unchanged_local_file_is_answered_from_the_cache()
    {
        var file = Write("data.jsonl", "{\"prompt\": \"a\"}\n");
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(Pipeline, Path(file));

        var id = await RunAgainAsync(harness, Path(file));

        Assert.True((await harness.StepAsync(id, "read")).Cached);
        Assert.Equal(0, Probe.For(id).Starts("read"));
    }

    [Fact]
    public async Task A_local_file_rewritten_with_another_length_runs_the_step_again()
    {
        var file = Write("data.jsonl", "{\"prompt\": \"a\"}\n");
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(Pipeline, Path(file));

        File.AppendAllText(file, "{\"prompt\": \"b\"}\n");
        var id = await RunAgainAsync(harness, Path(file));

        Assert.False((await harness.StepAsync(id, "read")).Cached);
        Assert.Equal(1, Probe.For(id).Starts("read"));
    }

    [Fact]
    public async Task A_local_file_with_a_new_write_time_runs_the_step_again()
    {
        var file = Write("data.jsonl", "same");
        File.SetLastWriteTimeUtc(file, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(Pipeline, Path(file));

        File.WriteAllText(file, "SAME");
        File.SetLastWriteTimeUtc(file, new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        var id = await RunAgainAsync(harness, Path(file));

        Assert.False((await harness.StepAsync(id, "read")).Cached);
    }

    [Fact]
    public async Task A_file_added_anywhere_under_a_local_folder_runs_the_step_again()
    {
        var folder = System.IO.Path.GetDirectoryName(Write("model/config.json", "{}"))!;
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(Pipeline, Path(folder));
        var unchanged = await RunAgainAsync(harness, Path(folder));

        // Nothing is skipped: a dot-folder counts like any other.
        Write("model/.cache/nested/extra.bin", "x");
        var id = await RunAgainAsync(harness, Path(folder));

        Assert.True((await harness.StepAsync(unchanged, "read")).Cached);
        Assert.False((await harness.StepAsync(id, "read")).Cached);
        Assert.Equal(1, Probe.For(id).Starts("read"));
    }

    [Fact]
    public async Task A_changed_file_in_a_list_of_local_paths_runs_the_step_again()
    {
        var first = Write("a.jsonl", "a");
        var second = Write("b.jsonl", "b");
        var overrides = new JsonObject { ["paths"] = new JsonArray(first, second) };
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(Pipeline, overrides);
        var unchanged = await RunAgainAsync(harness, overrides.DeepClone().AsObject());

        File.WriteAllText(second, "bb");
        var id = await RunAgainAsync(harness, overrides.DeepClone().AsObject());

        Assert.True((await harness.StepAsync(unchanged, "read")).Cached);
        Assert.False((await harness.StepAsync(id, "read")).Cached);
    }

    [Fact]
    public async Task A_missing_path_is_keyed_as_missing_until_it_appears()
    {
        var file = System.IO.Path.Combine(_files.Path, "later.jsonl");
        await using var harness = await RuntimeHarness.StartAsync();
        var (first, status) = await harness.RunAsync(Pipeline, Path(file));
        var stillMissing = await RunAgainAsync(harness, Path(file));

        Write("later.jsonl", "now");
        var appeared = await RunAgainAsync(harness, Path(file));

        Assert.Equal(RunStatus.Succeeded, status);
        Assert.NotNull((await harness.StepAsync(first, "read")).CacheKey);
        Assert.True((await harness.StepAsync(stillMissing, "read")).Cached);
        Assert.False((await harness.StepAsync(appeared, "read")).Cached);
    }

    [Fact]
    public async Task An_artifact_reference_is_keyed_by_its_digest_as_before()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: local-artifact }
            steps:
              write:
                uses: test.artifact_write@1
                with: { content: hello }
              read:
                uses: test.path_read@1
                with:
                  path: ${{ steps.write.outputs.artifact }}
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var (first, _) = await harness.RunAsync(yaml);

        var (id, _) = await harness.RunAsync(yaml);

        var read = await harness.StepAsync(first, "read");
        var inputs = JsonNode.Parse(read.Inputs!)!.AsObject();
        Assert.StartsWith("artifact://sha256/", inputs["path"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(CacheKey.Compute("test.path_read@1", inputs), read.CacheKey);
        Assert.True((await harness.StepAsync(id, "read")).Cached);
    }

    [Fact]
    public void An_activity_without_local_paths_keeps_the_key_of_its_inputs_alone()
    {
        var count = RuntimeHarness.Catalog.Find("test.count", 1)!;
        var inputs = new JsonObject { ["value"] = "/etc", ["number"] = 1 };

        Assert.Equal(CacheKey.Compute("test.count@1", inputs), CacheKey.Compute(count, inputs));
    }

    [Fact]
    public void A_path_the_key_cannot_read_still_gives_a_key()
    {
        var read = RuntimeHarness.Catalog.Find("test.path_read", 1)!;

        var key = CacheKey.Compute(read, new JsonObject { ["path"] = "bad\0path", ["paths"] = new JsonArray("", 3) });

        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    private static JsonObject Path(string path) => new() { ["path"] = path };

    private static async Task<string> RunAgainAsync(RuntimeHarness harness, JsonObject overrides)
    {
        var (id, status) = await harness.RunAsync(Pipeline, overrides);
        Assert.Equal(RunStatus.Succeeded, status);
        return id;
    }

    private string Write(string relative, string content)
    {
        var path = System.IO.Path.Combine(_files.Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
