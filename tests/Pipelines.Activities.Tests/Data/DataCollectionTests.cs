using System.Text.Json.Nodes;
using Pipelines.Activities.Tests.Runtime;
using Pipelines.Engine.Tests.Runtime;
using Pipelines.Monitoring;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests.Data;

/// <summary>data.collect@1: a served model's logged traffic, in a window and above a rating, as a dataset data.curate reads.</summary>
public sealed class DataCollectionTests
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: collect }
        steps:
          collect:
            uses: data.collect@1
            with: { model: m@production, window: 1d, min_rating: 0.5 }
          curate:
            uses: data.curate@1
            with:
              source: ${{ steps.collect.outputs.dataset }}
              format: jsonl
              filters: { min_chars: 1, min_words: 1 }
              near_duplicates: { enabled: false }
              split: { train: 1, validation: 0, test: 0 }
        """;

    [Fact]
    public async Task Rated_sampled_answers_of_the_window_become_prompt_completion_records_that_curation_reads()
    {
        await using var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);
        var now = DateTimeOffset.UtcNow;
        LoggedRequest Row(string id, TimeSpan ago, string? prompt, string? output, double? rating) =>
            new(id, "m@production", "m", "production", 1, "int8", now - ago, prompt, output, "stop", 5, 3, 0.01, 0.002, rating);
        var log = harness.Engine.RequestLog;
        await log.AppendAsync(Row("good", TimeSpan.FromHours(1), "Write a subject: meeting moved", "Meeting moved to Thursday", 1), CancellationToken.None);
        await log.AppendAsync(Row("bad", TimeSpan.FromHours(2), "Write a subject: invoice", "the the the", 0), CancellationToken.None);
        await log.AppendAsync(Row("unrated", TimeSpan.FromHours(3), "Write a subject: lunch", "Lunch?", null), CancellationToken.None);
        await log.AppendAsync(Row("unsampled", TimeSpan.FromHours(4), null, null, 1), CancellationToken.None);
        await log.AppendAsync(Row("old", TimeSpan.FromDays(3), "Write a subject: old", "Old news", 1), CancellationToken.None);
        await log.AppendAsync(Row("other", TimeSpan.FromHours(1), "Write a subject: x", "X", 1) with { Model = "m@staging" }, CancellationToken.None);

        var (id, status) = await harness.RunAsync(Pipeline);

        Assert.Equal(RunStatus.Succeeded, status);
        var collected = RuntimeHarness.Outputs(await harness.StepAsync(id, "collect"));
        Assert.Equal((1, 4, 1, 1.0), ((int)collected["records"]!, (int)collected["requests"]!, (int)collected["rated"]!, (double)collected["mean_rating"]!));
        var path = harness.Engine.Artifacts.PathOf(Pipelines.Artifacts.ArtifactReference.Parse((string)collected["dataset"]!));
        var record = JsonNode.Parse(Assert.Single(File.ReadAllLines(path)))!;
        Assert.Equal(("Write a subject: meeting moved", "Meeting moved to Thursday", "good"), ((string?)record["prompt"], (string?)record["completion"], (string?)record["id"]));
        var stats = RuntimeHarness.Outputs(await harness.StepAsync(id, "curate"))["stats"]!;
        Assert.True((int)stats["train"]! == 1, stats.ToJsonString());
    }

    [Fact]
    public async Task A_users_correction_replaces_the_models_answer_and_corrections_only_keeps_just_those()
    {
        await using var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);
        var now = DateTimeOffset.UtcNow;
        var log = harness.Engine.RequestLog;
        await log.AppendAsync(new("fixed", "m@production", "m", "production", 1, "int8", now.AddHours(-1), "Write a subject: budget", "the the", "stop", 5, 3, 0.01, 0.002),
            CancellationToken.None);
        await log.AppendAsync(new("liked", "m@production", "m", "production", 1, "int8", now.AddHours(-2), "Write a subject: lunch", "Lunch on Friday", "stop", 5, 3, 0.01, 0.002, 1),
            CancellationToken.None);
        await log.AppendAsync(new("unsampled", "m@production", "m", "production", 1, "int8", now.AddHours(-3), null, null, "stop", 5, 3, 0.01, 0.002), CancellationToken.None);
        Assert.True(await log.RateAsync("fixed", new Feedback(0, null, "Budget for next year"), CancellationToken.None));
        Assert.True(await log.RateAsync("unsampled", new Feedback(null, null, "kept nowhere"), CancellationToken.None));

        var (all, _) = await harness.RunAsync(Pipeline);
        var (corrections, _) = await harness.RunAsync(Pipeline.Replace("min_rating: 0.5", "corrections_only: true", StringComparison.Ordinal));

        string[] Completions(JsonNode outputs) => [.. File.ReadAllLines(harness.Engine.Artifacts.PathOf(Pipelines.Artifacts.ArtifactReference.Parse((string)outputs["dataset"]!)))
            .Select(l => $"{(string)JsonNode.Parse(l)!["source"]!}: {(string)JsonNode.Parse(l)!["completion"]!}")];
        var both = RuntimeHarness.Outputs(await harness.StepAsync(all, "collect"));
        var only = RuntimeHarness.Outputs(await harness.StepAsync(corrections, "collect"));
        Assert.Equal(["model: Lunch on Friday", "correction: Budget for next year"], Completions(both)); // oldest first; rated 0, kept for its correction
        Assert.Equal(["correction: Budget for next year"], Completions(only));
        Assert.Equal((2, 1), ((int)both["records"]!, (int)both["corrected"]!));
        Assert.Null((await log.ListAsync("m@production", null, 10, CancellationToken.None)).Single(r => r.Id == "unsampled").Correction);
    }
}
