using System.Text.Json.Nodes;

namespace Pipelines.Cli.Tests;

/// <summary>
/// pipelines/evaluate.yaml as a user runs it: <c>model init</c>, train.lora on the reversal task, eval.metrics of base +
/// adapter against the base model with bootstrap intervals, and a gate on the chrF interval; then the same run with a
/// bar the adapter cannot clear, which fails at the gate while the evaluation comes from the cache.
/// </summary>
public sealed class EvaluationPipelineTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();


    private async Task<JsonNode> StepOutputs(string runId, string step)
    {
        var shown = JsonNode.Parse((await _workspace.RunAsync("runs", "show", runId, "--json")).Out)!;
        return shown["steps"]!.AsArray().Single(s => (string?)s!["id"] == step)!["outputs"]!;
    }

    [Fact]
    public async Task The_evaluate_example_compares_the_adapter_with_its_base_model_and_gates_on_the_interval()
    {
        var root = Repository.Root;
        var model = Path.Combine(_workspace.Root, "base");
        Assert.Equal(0, (await _workspace.RunAsync("model", "init", "--arch", "llama", "--preset", "tiny", "--seed", "3", "--out", model)).ExitCode);
        var yaml = File.ReadAllText(Path.Combine(root, "pipelines", "evaluate.yaml")).Replace("pipelines/data/", Path.Combine(root, "pipelines", "data") + "/");
        var pipeline = _workspace.Write("evaluate.yaml", yaml);

        var run = await _workspace.RunAsync("run", pipeline, "-p", $"base_model={model}");

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var eval = await StepOutputs(run.OutLines[0]["run ".Length..], "eval");
        string[] names = ["rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "chrf", "exact_match", "perplexity", "avg_length", "length_ratio"];
        Assert.Equal(names, eval["metrics"]!.AsObject().Select(p => p.Key));
        Assert.Equal(names, eval["delta"]!.AsObject().Select(p => p.Key));
        Assert.Equal(32, (int)eval["samples"]!);
        // Training lowers the loss of the references: the adapter's perplexity is lower, and the interval says so.
        Assert.True((double)eval["metrics"]!["perplexity"]! < (double)eval["baseline_metrics"]!["perplexity"]!, eval.ToJsonString());
        Assert.True((double)eval["delta"]!["perplexity"]!["high"]! < 0, eval.ToJsonString());
        Assert.True((double)eval["delta"]!["chrf"]!["low"]! > 0, eval.ToJsonString());

        var report = (await _workspace.RunAsync("artifacts", "path", (string)eval["report"]!)).OutLines[^1];
        var html = File.ReadAllText(report);
        Assert.Contains("<section id=\"best\">", html);
        Assert.Contains("<section id=\"worst\">", html);
        Assert.Contains("reverse ", html);
        Assert.Contains("<svg", html);

        var strict = await _workspace.RunAsync("run", pipeline, "-p", $"base_model={model}", "-p", "min_chrf_gain=100");

        Assert.NotEqual(0, strict.ExitCode);
        Assert.Contains("gate failed", strict.All);
        var again = await StepOutputs(strict.OutLines[0]["run ".Length..], "eval");
        Assert.Equal((string?)eval["report"], (string?)again["report"]);
    }
}
