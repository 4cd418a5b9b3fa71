using System.Text.Json.Nodes;
using Pipelines.Activities.Tests.Safety;

namespace Pipelines.Activities.Tests.Selection;

/// <summary><c>model.select@1</c> on the tiny Llama and GPT-2 presets, run as the runtime runs it.</summary>
public sealed class ModelSelectionTests(TinyModelFolders models) : IClassFixture<TinyModelFolders>, IDisposable
{
    private readonly ActivityHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private string Dataset() => _harness.Write("task.jsonl", string.Join('\n', Enumerable.Range(0, 8).Select(i =>
        new JsonObject { ["prompt"] = $"reverse abc{i} =", ["completion"] = $" {i}cba" }.ToJsonString())) + "\n");

    private JsonObject Inputs(JsonObject rule) => new()
    {
        ["candidates"] = new JsonArray(models.Llama, models.Gpt2),
        ["dataset"] = Dataset(),
        ["sample_size"] = 4,
        ["max_new_tokens"] = 4,
        ["metrics"] = new JsonArray("rouge", "perplexity"),
        ["speed_prompts"] = 2,
        ["speed_tokens"] = 8,
        ["price_per_hour"] = 3.6,
        ["device"] = "cpu",
        ["rule"] = rule,
    };

    [Fact]
    public async Task Both_candidates_are_measured_and_the_rule_picks_the_one_with_fewer_parameters()
    {
        var outputs = await _harness.RunAsync("model.select@1", Inputs(new JsonObject { ["minimize"] = "parameters" }));

        var table = outputs["table"]!.AsArray();
        Assert.Equal(2, table.Count);
        Assert.Equal(["llama", "gpt2"], table.Select(r => (string)r!["architecture"]!));
        foreach (var row in table)
        {
            var model = (string)row!["model"]!;
            Assert.Equal(models.Parameters[model], (long)row["parameters"]!);
            Assert.Equal(Directory.EnumerateFiles(model).Sum(f => new FileInfo(f).Length), (long)row["size_bytes"]!);
            Assert.Equal(512, (int)row["context_window"]!);
            Assert.Equal("unknown", (string)row["license"]!);
            Assert.True((double)row["load_seconds"]! > 0);
            Assert.True((double)row["first_token_ms"]! > 0);
            Assert.True((double)row["per_token_ms"]! > 0);
            Assert.True((double)row["tokens_per_second"]! > 0);
            Assert.Equal(["rouge1", "rouge2", "rougeL", "rougeLsum", "perplexity"], row["metrics"]!.AsObject().Select(p => p.Key));
            Assert.True((double)row["metrics"]!["perplexity"]! > 1);
            Assert.InRange((double)row["metrics"]!["rougeL"]!, 0, 1);
            Assert.Equal(3.6 / 3600 / (double)row["tokens_per_second"]! * 1000, (double)row["cost_per_1k_tokens"]!, 12);
        }

        var smaller = models.Parameters[models.Llama] < models.Parameters[models.Gpt2] ? models.Llama : models.Gpt2;
        Assert.Equal(smaller, (string)outputs["selected"]!);
        Assert.Equal([smaller], table.Where(r => (bool)r!["selected"]!).Select(r => (string)r!["model"]!));
        Assert.Equal("minimize parameters", (string)outputs["rule"]!);

        var report = _harness.PathOf(outputs["report"]);
        Assert.Equal(["chart.png", "chart.svg", "report.md", "table.csv"], Directory.EnumerateFiles(report).Select(Path.GetFileName).Order());
        var markdown = await File.ReadAllTextAsync(Path.Join(report, "report.md"));
        Assert.Contains("Rule: **minimize parameters**", markdown, StringComparison.Ordinal);
        Assert.Contains("| **→** | " + Path.GetFileName(smaller), markdown, StringComparison.Ordinal);
        Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Join(report, "chart.svg")), StringComparison.Ordinal);
        Assert.Equal(3, (await File.ReadAllLinesAsync(Path.Join(report, "table.csv"))).Length);
    }

    [Fact]
    public async Task A_requirement_that_rules_out_the_smaller_model_picks_the_other_and_licences_come_from_the_folders()
    {
        var (smaller, larger) = models.Parameters[models.Llama] < models.Parameters[models.Gpt2] ? (models.Llama, models.Gpt2) : (models.Gpt2, models.Llama);
        var licensed = Path.Join(_harness.Path, "licensed-model");
        Directory.CreateDirectory(licensed);
        foreach (var file in Directory.EnumerateFiles(larger)) File.Copy(file, Path.Join(licensed, Path.GetFileName(file)));
        File.WriteAllText(Path.Join(licensed, "README.md"), "---\nlicense: apache-2.0\n---\n# test model\n");
        var inputs = Inputs(new JsonObject
        {
            ["maximize"] = "rougeL",
            ["require"] = new JsonObject { ["min_parameters"] = models.Parameters[larger] },
        });
        inputs["candidates"] = new JsonArray(smaller, licensed);

        var outputs = await _harness.RunAsync("model.select@1", inputs);

        Assert.Equal(licensed, (string)outputs["selected"]!);
        var rows = outputs["table"]!.AsArray();
        Assert.Equal(("unknown", null), ((string)rows[0]!["license"]!, (string?)rows[0]!["license_source"]));
        Assert.Equal(("apache-2.0", "README.md"), ((string)rows[1]!["license"]!, (string?)rows[1]!["license_source"]));
        Assert.False((bool)rows[0]!["meets_requirements"]!);
        Assert.Equal($"parameters = {models.Parameters[smaller]}, needs >= {models.Parameters[larger]}", (string)rows[0]!["failed_requirements"]![0]!);
        Assert.Equal("maximize rougeL where min_parameters " + models.Parameters[larger], (string)outputs["rule"]!);
    }

    [Fact]
    public async Task A_candidate_that_is_not_a_model_folder_fails_with_its_name()
    {
        var inputs = Inputs(new JsonObject { ["maximize"] = "rougeL" });
        inputs["candidates"] = new JsonArray(models.Llama, Path.Join(_harness.Path, "missing-model"));

        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => _harness.RunAsync("model.select@1", inputs));
        Assert.StartsWith("candidates[1]: ", error.Message, StringComparison.Ordinal);
        Assert.False(error.Retryable);
    }
}
