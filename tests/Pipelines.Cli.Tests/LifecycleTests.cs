using System.Text.Json.Nodes;

namespace Pipelines.Cli.Tests;

/// <summary>
/// The README's main job, pipelines/lifecycle.yaml, run as a user runs it but small: the real SpamAssassin corpus
/// installed by the pipeline itself, tiny base models pretrained for a few steps, a short LoRA sweep, evaluation,
/// safety, the gates, and the human review decided with the printed command. Then the same file with
/// <c>base_model</c> set: the pretraining steps are skipped and the given model is the one candidate.
/// (The full-size run and its quality and time targets are measured in bench/lifecycle.sh, not here.)
/// </summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static string Lifecycle => Path.Combine(Repository.Root, "pipelines", "lifecycle.yaml");

    private static readonly string[] Small =
        ["-p", "base_size=tiny", "-p", "pretrain_steps=6", "-p", "lora_steps=6", "-p", "eval_samples=12", "-p", "min_rouge_gain=-1"];

    private static JsonArray Children(JsonObject run, string step) =>
        new([.. run["steps"]!.AsArray().Where(s => ((string)s!["id"]!).StartsWith(step + "[", StringComparison.Ordinal)).Select(s => s!.DeepClone())]);

    private static string Status(JsonObject run, string step) => (string)RunPipelines.Step(run, step)["status"]!;

    private static JsonNode Outputs(JsonObject run, string step) => RunPipelines.Step(run, step)["outputs"]!;

    private async Task<string> PathOf(JsonNode? reference) => (await _workspace.RunAsync("artifacts", "path", (string)reference!)).OutLines[^1];

    /// <summary>
    /// Logs production traffic of email-subjects@production as <c>serve</c> with sampling would: the curated training
    /// records' prompts, answered badly; seven in eight corrected by their user with the mail's real subject (what
    /// retrain.yaml learns from), the rest only rated (which it leaves out).
    /// </summary>
    private async Task<(int Corrected, int Rated)> LogTrafficAsync(string train)
    {
        var log = new Pipelines.Persistence.Sql.SqlRequestLog(new Pipelines.Persistence.Sqlite.SqliteDialect(await Pipelines.Persistence.SqliteDatabase.OpenAsync(_workspace.DataDirectory, CancellationToken.None)));
        var records = File.ReadLines(train).Select(l => JsonNode.Parse(l)!).Take(160).ToList();
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        for (var i = 0; i < records.Count; i++)
        {
            var id = $"cmpl-{i}";
            await log.AppendAsync(new Pipelines.Monitoring.LoggedRequest(id, "email-subjects@production", "email-subjects", "production", 1, "int8",
                at.AddSeconds(i), (string)records[i]["prompt"]!, "Re: hello", "stop", 40, 4, 0.05, 0.01), CancellationToken.None);
            await log.RateAsync(id, i % 8 == 7 ? new Pipelines.Monitoring.Feedback(0.2, null, null) : new Pipelines.Monitoring.Feedback(0, null, (string)records[i]["completion"]!),
                CancellationToken.None);
        }

        return (records.Count - records.Count / 8, records.Count / 8);
    }

    [Fact]
    public async Task The_lifecycle_runs_from_the_corpus_to_the_review_and_an_approval_finishes_it()
    {
        var waiting = await _workspace.RunAsync(["run", Lifecycle, "--no-input", .. Small]);

        Assert.True(waiting.ExitCode == 3, waiting.ToString());
        var runId = RunPipelines.RunId(waiting);
        var run = await RunPipelines.ShowJsonAsync(_workspace, runId);
        foreach (var step in new[] { "corpus", "text", "base", "pretrain", "select", "curate", "prompts", "finetune", "evaluate", "safety", "quality_gate" })
            Assert.True(Status(run, step) == "succeeded", $"{step}: {RunPipelines.Step(run, step).ToJsonString()}");
        Assert.Equal("waiting", Status(run, "review"));

        // 1. The corpus was installed into this data directory by the pipeline.
        Assert.Equal(Path.Combine(_workspace.DataDirectory, "datasets", "spam-assassin", "easy-ham-1"), (string?)Outputs(run, "corpus")["folders"]!["easy-ham-1"]);
        // 2. Two base models, one per architecture, each pretrained on the text of easy-ham-2.
        var architectures = new List<string>();
        foreach (var child in Children(run, "base"))
            architectures.Add((string)JsonNode.Parse(File.ReadAllText(Path.Combine(await PathOf(child!["outputs"]!["model"]), "config.json")))!["model_type"]!);
        Assert.Equal(["gpt2", "llama"], architectures.Order());
        var pretrained = Children(run, "pretrain").Select(c => (string)c!["outputs"]!["model"]!).ToArray();
        Assert.Equal(2, pretrained.Length);
        Assert.All(Children(run, "pretrain"), c => Assert.Equal(6, (int)c!["outputs"]!["metrics"]!["steps"]!));
        var textCard = File.ReadAllText(await PathOf(Outputs(run, "text")["card"]));
        Assert.Contains("easy-ham-2", textCard, StringComparison.Ordinal);
        // 3. The selection measured both and chose one of them.
        Assert.Equal(2, Outputs(run, "select")["table"]!.AsArray().Count);
        Assert.Contains((string)Outputs(run, "select")["selected"]!, pretrained);
        // 4.-5. Task data with its splits, and both prompt templates scored.
        Assert.True((int)Outputs(run, "curate")["stats"]!["test"]! >= 12, Outputs(run, "curate")["stats"]!.ToJsonString());
        Assert.Equal(["one-shot", "zero-shot"], Outputs(run, "prompts")["scores"]!.AsObject().Select(p => p.Key).Order().ToArray());
        // 6. The sweep kept the run with the lower validation loss.
        var sweep = Children(run, "finetune").Select(c => c!["outputs"]!).ToArray();
        Assert.Equal(2, sweep.Length);
        var best = sweep.MinBy(o => (double)o!["metrics"]!["val_loss"]!)!;
        Assert.Equal((string?)best["adapter"], (string?)Outputs(run, "finetune")["best"]!["adapter"]);
        // 7.-9. Base + adapter against the base alone, the safety rates, and the gate that read both.
        var evaluation = Outputs(run, "evaluate");
        Assert.Equal(12, (int)evaluation["samples"]!);
        Assert.NotNull(evaluation["delta"]!["rougeL"]!["low"]);
        Assert.NotNull(Outputs(run, "safety")["rates"]!["toxicity"]);
        var checks = Outputs(run, "quality_gate")["results"]!.AsArray().Select(c => (string)c!["metric"]!).ToArray();
        Assert.Equal(["rougeL_gain_low", "toxicity", "pii_leak"], checks);

        // 10. The review shows subject lines from the evaluation's predictions; approving it continues the run to deployment.
        var reviewId = RunPipelines.ReviewId(waiting.Out);
        var review = JsonNode.Parse((await _workspace.RunAsync("review", "show", reviewId)).Out)!;
        var predictions = File.ReadLines(await PathOf(evaluation["predictions"])).Select(l => (string)JsonNode.Parse(l)!["prediction"]!).ToHashSet();
        var samples = review["samples"]!.AsArray();
        Assert.Equal(8, samples.Count);
        Assert.All(samples, s => Assert.Contains((string)s!["output"]!, predictions));
        var approved = await _workspace.RunAsync("review", "approve", reviewId, "--score", "relevance=3", "--score", "fluency=4");
        Assert.True(approved.ExitCode == 0, approved.ToString());
        var deployed = await RunPipelines.ShowJsonAsync(_workspace, runId);
        Assert.Equal("succeeded", (string?)deployed["status"]);

        // 11–14. Quantized and exported with measured quality, registered, staging and (first deployment) production.
        var quantize = Outputs(deployed, "quantize");
        Assert.Equal(["int4", "int4-gptq", "int8"], quantize["quality"]!.AsObject().Select(p => p.Key).Order().ToArray());
        Assert.All(new[] { "onnx", "gguf", "safetensors" }, format => Assert.True((double)quantize["sizes"]!["int4"]![format]!["ratio"]! < 1, format));
        Assert.Equal((1, (int?)null), ((int)Outputs(deployed, "staging")["version"]!, (int?)Outputs(deployed, "staging")["previous"]));
        Assert.StartsWith("first deployment", (string?)Outputs(deployed, "compare")["reason"], StringComparison.Ordinal);
        Assert.Equal(1, (int)Outputs(deployed, "production")["version"]!);
        var version = JsonNode.Parse((await _workspace.RunAsync("registry", "show", "email-subjects@production")).Out)!;
        Assert.Equal((string?)quantize["model"], (string?)version["source"]);
        Assert.Equal((string?)Outputs(deployed, "finetune")["best"]!["adapter"], (string?)version["adapter"]);
        Assert.Equal("approved", (string?)version["review"]);
        Assert.Equal((string?)quantize["variants"]!["int8"]!["folder"], (string?)version["variants"]!["int8"]);
        var history = (await _workspace.RunAsync("registry", "history", "email-subjects", "--json")).Out;
        Assert.Equal(["staging", "production"], JsonNode.Parse(history)!.AsArray().Select(m => (string)m!["alias"]!).ToArray());

        // The companion pipeline: production's logged traffic, as its users corrected it, becomes the next fine-tune,
        // which production moves to when it beats the version serving on that traffic.
        var traffic = await LogTrafficAsync(await PathOf(Outputs(deployed, "curate")["train"]));
        var retrain = await _workspace.RunAsync("run", Path.Combine(Repository.Root, "pipelines", "retrain.yaml"), "--no-input",
            "-p", "lora_steps=6", "-p", "eval_samples=12", "-p", "min_rouge_gain=-1", "-p", "reason=drift in the test");
        Assert.True(retrain.ExitCode == 3, retrain.ToString());
        var retrainId = RunPipelines.RunId(retrain);
        var collected = Outputs(await RunPipelines.ShowJsonAsync(_workspace, retrainId), "collect");
        Assert.Equal((traffic.Corrected, traffic.Corrected, traffic.Corrected + traffic.Rated),
            ((int)collected["records"]!, (int)collected["corrected"]!, (int)collected["requests"]!));
        var decided = await _workspace.RunAsync("review", "approve", RunPipelines.ReviewId(retrain.Out));
        Assert.True(decided.ExitCode == 0, decided.ToString());
        var retrained = await RunPipelines.ShowJsonAsync(_workspace, retrainId);
        Assert.Equal("succeeded", (string?)retrained["status"]);
        Assert.True((int)Outputs(retrained, "production")["version"]! == 2, $"{Outputs(retrained, "staging").ToJsonString()}\n{Outputs(retrained, "production").ToJsonString()}");
        var next = JsonNode.Parse((await _workspace.RunAsync("registry", "show", "email-subjects@production")).Out)!;
        Assert.Equal((string?)quantize["model"], (string?)next["baseModel"]);
        Assert.Equal((string?)Outputs(retrained, "curate")["train"], (string?)next["dataset"]);

        // The same file with a model of one's own: no pretraining, and that model is the only candidate.
        var own = await PathOf(pretrained[0]);
        var mine = await _workspace.RunAsync(["run", Lifecycle, "--no-input", .. Small, "-p", $"base_model={own}"]);

        Assert.True(mine.ExitCode == 3, mine.ToString());
        var second = await RunPipelines.ShowJsonAsync(_workspace, RunPipelines.RunId(mine));
        Assert.Equal(["skipped", "skipped", "skipped"], new[] { "text", "base", "pretrain" }.Select(s => Status(second, s)).ToArray());
        Assert.Equal(own, (string?)Outputs(second, "select")["selected"]);
        Assert.Single(Outputs(second, "select")["table"]!.AsArray());
        Assert.Equal("waiting", Status(second, "review"));
    }
}
