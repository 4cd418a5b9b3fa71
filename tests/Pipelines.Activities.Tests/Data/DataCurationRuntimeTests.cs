using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests.Data;

/// <summary><c>data.curate@1</c> run by the real runtime over a real SQLite file on the committed sample.</summary>
public sealed class DataCurationRuntimeTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Pipeline(string source) => $$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: curate-sample
        steps:
          curate:
            uses: data.curate@1
            with:
              source: {{source}}
              redact: [email, phone, ip, credit_card, url]
              split: { train: 0.6, validation: 0.2, test: 0.2 }
        """;

    /// <summary>Publishes and runs the pipeline to its end; the curate step's outputs.</summary>
    private static async Task<JsonObject> RunAsync(RunEngine engine, string yaml, bool noCache)
    {
        var (status, steps) = await PipelineRuns.RunAsync(engine, yaml, noCache);
        var step = steps.Single(s => s.StepId == "curate");
        Assert.True(status == RunStatus.Succeeded, step.Error);
        return JsonNode.Parse(step.Outputs!)!.AsObject();
    }

    [Fact]
    public async Task Curating_the_sample_through_the_runtime_gives_redacted_splits_a_quarantine_and_a_card_and_the_same_digests_again()
    {
        var source = Path.Combine(_folder.Path, "corpus");
        CopyFolder(TestData.SpamAssassinSample, source);
        File.WriteAllText(Path.Combine(source, "spam-2", "broken.txt"), "this file is not a mail message\n");
        var data = Path.Combine(_folder.Path, "data");
        await using var engine = await RunEngine.OpenAsync(data, BuiltInActivities.CreateCatalog(), new RuntimeOptions { MaxParallel = 2 });

        var first = await RunAsync(engine, Pipeline(source), noCache: false);
        var again = await RunAsync(engine, Pipeline(source), noCache: true);

        var stats = first["stats"]!.AsObject();
        Assert.Equal(14, (int)stats["input_records"]!);
        Assert.Equal(1, (int)stats["quarantined"]!);
        Assert.Equal(1, (int)stats["exact_duplicates"]!);
        Assert.Equal(1, (int)stats["near_duplicates"]!);
        Assert.True((int)stats["redacted"]!["email"]! > 0);
        Assert.Equal((int)stats["parsed"]! - ((JsonObject)stats["filtered"]!).Sum(p => (int)p.Value!) - 2,
            (int)stats["train"]! + (int)stats["validation"]! + (int)stats["test"]!);
        foreach (var output in new[] { "train", "validation", "test", "quarantine", "card" })
        {
            Assert.Equal((string?)first[output], (string?)again[output]); // --no-cache recomputed the same bytes
        }

        var train = await File.ReadAllLinesAsync(engine.Artifacts.PathOf(Artifacts.ArtifactReference.Parse((string)first["train"]!)));
        Assert.Equal((int)stats["train"]!, train.Length);
        Assert.All(train, line =>
        {
            var record = JsonNode.Parse(line)!.AsObject();
            Assert.Equal(["prompt", "completion", "id", "source", "record"], record.Select(p => p.Key));
            Assert.DoesNotMatch(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]", (string)record["prompt"]!);
        });

        var quarantine = JsonNode.Parse(await File.ReadAllTextAsync(engine.Artifacts.PathOf(Artifacts.ArtifactReference.Parse((string)first["quarantine"]!))))!;
        Assert.Equal("spam-2/broken.txt", (string)quarantine["source"]!);
        Assert.StartsWith("not a mail message", (string)quarantine["reason"]!, StringComparison.Ordinal);

        var card = await File.ReadAllTextAsync(engine.Artifacts.PathOf(Artifacts.ArtifactReference.Parse((string)first["card"]!)));
        Assert.StartsWith("# Dataset card", card, StringComparison.Ordinal);
        var lineage = await engine.Artifacts.Index.GetLineageAsync(Artifacts.ArtifactReference.Parse((string)first["train"]!), CancellationToken.None);
        Assert.Equal("dataset", lineage!.Kind);
    }

    [Fact]
    public async Task A_source_that_does_not_exist_fails_the_step_with_a_message_naming_it()
    {
        await using var engine = await RunEngine.OpenAsync(Path.Combine(_folder.Path, "data"), BuiltInActivities.CreateCatalog());
        var yaml = Pipeline(Path.Combine(_folder.Path, "nowhere"));

        var (status, steps) = await PipelineRuns.RunAsync(engine, yaml);

        var step = steps.Single(s => s.StepId == "curate");
        Assert.Equal(RunStatus.Failed, status);
        Assert.Contains("nowhere' is not a file, a folder or a glob", step.Error, StringComparison.Ordinal);
        Assert.Equal(1, step.Attempts); // bad input is not retried
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
