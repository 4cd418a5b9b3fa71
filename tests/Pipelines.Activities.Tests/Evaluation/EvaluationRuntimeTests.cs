using System.Text.Json.Nodes;
using Pipelines.Activities.Evaluation;
using Pipelines.Artifacts;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests.Evaluation;

/// <summary>eval.metrics@1 and prompt.evaluate@1 run by the real runtime over a real SQLite file, on a tiny Llama and an adapter.</summary>
public sealed class EvaluationRuntimeTests : IDisposable
{
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Pipeline() => $$$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: evaluate-tiny
        steps:
          prompts:
            uses: prompt.evaluate@1
            with:
              model: {{{EvaluationFixtures.TinyLlama}}}
              dataset: {{{_folder.Write("validation.jsonl", EvaluationFixtures.ReversalLines(6, seed: 2))}}}
              train: {{{_folder.Write("train.jsonl", EvaluationFixtures.ReversalLines(20, seed: 1))}}}
              templates:
                - { name: zero-shot, template: "{prompt}" }
                - { name: two-shot, template: "Reverse the letters.\n{shots}{prompt}", shots: 2 }
              metric: chrf
              max_new_tokens: 4
              device: cpu
          eval:
            uses: eval.metrics@1
            with:
              model: {{{EvaluationFixtures.TinyLlama}}}
              adapter: {{{EvaluationFixtures.TinyAdapter}}}
              baseline: {{{EvaluationFixtures.TinyLlama}}}
              dataset: {{{_folder.Path}}}/validation.jsonl
              sample_size: 5
              max_new_tokens: 4
              bootstrap_samples: 200
              batch_size: 2
              device: cpu
          gate:
            uses: gate.metric@1
            with:
              require: ${{ steps.eval.outputs.metrics.rougeL >= 0 && steps.eval.outputs.delta.chrf.low <= steps.eval.outputs.delta.chrf.high }}
        """;

    private static async Task<Dictionary<string, JsonObject>> RunAsync(RunEngine engine, string yaml, bool noCache)
    {
        var (status, steps) = await PipelineRuns.RunAsync(engine, yaml, noCache);
        Assert.True(status == RunStatus.Succeeded, string.Join('\n', steps.Select(s => $"{s.StepId}: {s.Error}")));
        return steps.ToDictionary(s => s.StepId, s => JsonNode.Parse(s.Outputs!)!.AsObject());
    }

    private static string Text(RunEngine engine, JsonNode? reference) => File.ReadAllText(engine.Artifacts.PathOf(ArtifactReference.Parse((string)reference!)));

    [Fact]
    public async Task Both_activities_run_in_a_pipeline_and_greedy_decoding_gives_the_same_artifacts_again()
    {
        await using var engine = await RunEngine.OpenAsync(Path.Combine(_folder.Path, "data"), BuiltInActivities.CreateCatalog());
        var yaml = Pipeline();

        var first = await RunAsync(engine, yaml, noCache: false);
        var again = await RunAsync(engine, yaml, noCache: true);

        var eval = first["eval"];
        Assert.Equal(MetricSet.AllNames, eval["metrics"]!.AsObject().Select(p => p.Key));
        Assert.Equal(MetricSet.AllNames, eval["baseline_metrics"]!.AsObject().Select(p => p.Key));
        Assert.Equal(5, (int)eval["samples"]!);
        var chrf = eval["delta"]!["chrf"]!;
        Assert.Equal((double)eval["metrics"]!["chrf"]! - (double)eval["baseline_metrics"]!["chrf"]!, (double)chrf["difference"]!, 9);
        Assert.True((double)chrf["low"]! <= (double)chrf["high"]!);
        Assert.True((bool)first["gate"]["passed"]!);

        var report = Text(engine, eval["report"]);
        Assert.StartsWith("<!DOCTYPE html>", report, StringComparison.Ordinal);
        Assert.Contains("<section id=\"worst\">", report);
        Assert.Contains(EvaluationFixtures.TinyAdapter, report);
        var predictions = Text(engine, eval["predictions"]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, predictions.Length);
        Assert.Contains(predictions.Select(p => JsonNode.Parse(p)), p => (string?)p!["prediction"] != (string?)p["baseline_prediction"]);

        Assert.Equal((string?)eval["report"], (string?)again["eval"]["report"]);
        Assert.Equal((string?)eval["predictions"], (string?)again["eval"]["predictions"]);
        Assert.Equal(eval.ToJsonString(), again["eval"].ToJsonString());

        var prompts = first["prompts"];
        Assert.Equal(["zero-shot", "two-shot"], prompts["scores"]!.AsObject().Select(p => p.Key));
        Assert.Equal(6, (int)prompts["samples"]!);
        var best = (string)prompts["best"]!["name"]!;
        Assert.Equal(best, (string?)prompts["ranking"]![0]);
        Assert.Equal("chrf", (string?)prompts["best"]!["metric"]);
        Assert.Equal((double)prompts["scores"]![best]!["chrf"]!, (double)prompts["best"]!["score"]!);
        Assert.Equal(prompts.ToJsonString(), again["prompts"].ToJsonString());
    }

    [Fact]
    public async Task Progress_reports_the_fraction_of_samples_done_for_the_model_and_the_baseline()
    {
        await using var engine = await RunEngine.OpenAsync(Path.Combine(_folder.Path, "data"), BuiltInActivities.CreateCatalog());
        var updates = new List<ProgressUpdate>();
        var context = new ActivityContext { RunId = "r", StepId = "eval", Artifacts = engine.Artifacts, Progress = new Collect(updates) };
        var inputs = new MetricsEvaluationInputs
        {
            Model = EvaluationFixtures.TinyLlama,
            Baseline = EvaluationFixtures.TinyLlama,
            BaselineAdapter = EvaluationFixtures.TinyAdapter,
            Dataset = _folder.Write("data.jsonl", EvaluationFixtures.ReversalLines(4, seed: 3)),
            Metrics = ["rouge", "perplexity"],
            MaxNewTokens = 2,
            BatchSize = 2,
            BootstrapSamples = 50,
            Device = "cpu",
        };

        var outputs = await new MetricsEvaluation().ExecuteAsync(inputs, context, CancellationToken.None);

        // 16 units: per system, 4 generations (in 2 batches) then 4 reference losses; then the bootstrap.
        Assert.Equal([2.0, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16, 16], updates.Select(u => u.Fraction!.Value * 16));
        Assert.Equal("model: generated 2/4", updates[0].Message);
        Assert.Equal("baseline: scored the reference of 4/4", updates[^2].Message);
        Assert.Equal("comparing: 50 paired bootstrap resamples", updates[^1].Message);
        Assert.Equal(["rouge1", "rouge2", "rougeL", "rougeLsum", "perplexity"], outputs.Metrics.Keys);
        Assert.NotEqual(outputs.Metrics["perplexity"], outputs.BaselineMetrics!["perplexity"]);
    }

    [Fact]
    public async Task A_record_without_a_completion_fails_the_step_naming_its_line_without_retrying()
    {
        await using var engine = await RunEngine.OpenAsync(Path.Combine(_folder.Path, "data"), BuiltInActivities.CreateCatalog());
        var context = new ActivityContext { RunId = "r", StepId = "eval", Artifacts = engine.Artifacts };
        var dataset = _folder.Write("bad.jsonl", ["""{"prompt": "a", "completion": "b"}""", """{"prompt": "c"}"""]);

        var error = await Assert.ThrowsAsync<ActivityFailedException>(() =>
            new MetricsEvaluation().ExecuteAsync(new MetricsEvaluationInputs { Model = EvaluationFixtures.TinyLlama, Dataset = dataset }, context, CancellationToken.None));

        Assert.Contains("bad.jsonl:2: the record has no \"completion\"", error.Message);
        Assert.False(error.Retryable);
    }

    private sealed class Collect(List<ProgressUpdate> updates) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => updates.Add(value);
    }
}
