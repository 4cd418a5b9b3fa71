using System.Text.Json.Nodes;

namespace Pipelines.Cli.Tests;

/// <summary>
/// The whole LoRA path as a user runs it: <c>model init</c>, the pipelines/finetune.yaml pipeline (train.lora@1 on the
/// reversal task, then a gate that the loss fell by at least 30%), the adapter's PEFT files, <c>model generate
/// --adapter</c>, <c>model merge</c>, and the merged model generating exactly what base + adapter generate.
/// </summary>
public sealed class LoraFineTuningTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();


    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public async Task A_lora_pipeline_lowers_the_loss_and_its_adapter_generates_merged_or_not(string arch)
    {
        var root = Repository.Root;
        var model = Path.Combine(_workspace.Root, "base");
        Assert.Equal(0, (await _workspace.RunAsync("model", "init", "--arch", arch, "--preset", "tiny", "--seed", "3", "--out", model)).ExitCode);

        var yaml = File.ReadAllText(Path.Combine(root, "pipelines", "finetune.yaml")).Replace("pipelines/data/", Path.Combine(root, "pipelines", "data") + "/");
        var pipeline = _workspace.Write("finetune.yaml", yaml);
        var run = await _workspace.RunAsync("run", pipeline, "-p", $"base_model={model}", "-p", "steps=60");
        Assert.True(run.ExitCode == 0, run.Out + run.Error);

        var id = run.OutLines[0]["run ".Length..];
        var shown = JsonNode.Parse((await _workspace.RunAsync("runs", "show", id, "--json")).Out)!;
        var outputs = shown["steps"]!.AsArray().Single(s => (string?)s!["id"] == "train")!["outputs"]!;
        var metrics = outputs["metrics"]!;
        Assert.True((double)metrics["final_train_loss"]! <= 0.7 * (double)metrics["initial_train_loss"]!, metrics.ToJsonString());
        Assert.Equal(60, (int)metrics["steps"]!);

        var adapter = (await _workspace.RunAsync("artifacts", "path", (string)outputs["adapter"]!)).OutLines[^1];
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")))!;
        Assert.Equal("LORA", (string?)config["peft_type"]);
        Assert.Equal(8, (int)config["r"]!);
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_model.safetensors")));
        var curve = (await _workspace.RunAsync("artifacts", "path", (string)outputs["curve"]!)).OutLines[^1];
        Assert.Equal(61, File.ReadAllLines(Path.Combine(curve, "loss.csv")).Length);
        Assert.True(new FileInfo(Path.Combine(curve, "loss.png")).Length > 1000);
        // The run's end points at both folders and what is in them.
        Assert.Contains($"  train.adapter  adapter  {adapter}  (adapter_config.json, adapter_model.safetensors)", run.OutLines);
        Assert.Contains($"  train.curve    report   {curve}  (loss.csv, loss.png)", run.OutLines);

        string[] prompts = ["-p", "reverse abcd =", "-p", "reverse hgfe ="];
        var plain = await _workspace.RunAsync(["model", "generate", "--model", model, .. prompts, "--greedy", "-n", "6"]);
        var adapted = await _workspace.RunAsync(["model", "generate", "--model", model, "--adapter", (string)outputs["adapter"]!, .. prompts, "--greedy", "-n", "6"]);
        var merged = Path.Combine(_workspace.Root, "merged");
        var merge = await _workspace.RunAsync("model", "merge", "--model", model, "--adapter", adapter, "--out", merged);
        var fromMerged = await _workspace.RunAsync(["model", "generate", "--model", merged, .. prompts, "--greedy", "-n", "6"]);

        Assert.Equal(0, adapted.ExitCode);
        Assert.NotEqual(plain.Out, adapted.Out);
        Assert.Equal(0, merge.ExitCode);
        Assert.Equal(merged, merge.OutLines[^1]);
        Assert.Equal(adapted.Out, fromMerged.Out);
    }

    [Fact]
    public async Task Merge_names_a_folder_that_is_not_an_adapter()
    {
        var model = Path.Combine(_workspace.Root, "base");
        await _workspace.RunAsync("model", "init", "--arch", "llama", "--out", model);

        var merge = await _workspace.RunAsync("model", "merge", "--model", model, "--adapter", model, "--out", Path.Combine(_workspace.Root, "m"));

        Assert.Equal(2, merge.ExitCode);
        Assert.Contains("has no adapter_config.json", merge.Error);
        Assert.DoesNotContain("   at ", merge.Error);
    }
}
