using System.Text.Json.Nodes;
using Pipelines.Activities.Models;
using Pipelines.Activities.Tests.Safety;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests.Models;

/// <summary><c>model.init@1</c>: a random model folder artifact with a tokenizer learned from a corpus, and the presets behind it.</summary>
public sealed class ModelInitializationTests : IDisposable
{
    private readonly ActivityHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    /// <summary>Mail-like text records, as data.curate writes with text_template.</summary>
    private string TextDataset(string name = "text.jsonl") => _harness.Write(name, string.Concat(Enumerable.Range(0, 40).Select(i =>
        new JsonObject { ["text"] = $"Subject: pipelines meeting {i}\n\nThe pipelines team meets on Thursday; bring the release notes and the models.", ["id"] = $"{i:x16}" }.ToJsonString() + "\n")));

    private static JsonObject Inputs(string? corpus, int seed = 0, string architecture = "llama") => new()
    {
        ["architecture"] = architecture,
        ["preset"] = "tiny",
        ["vocab_size"] = 300,
        ["seed"] = seed,
        ["corpus"] = corpus,
    };

    [Fact]
    public async Task Makes_a_model_folder_whose_tokenizer_is_learned_from_the_corpus()
    {
        var outputs = await _harness.RunAsync("model.init@1", Inputs(TextDataset()));

        using var loaded = ModelFolder.Load(_harness.PathOf(outputs["model"]));
        Assert.Equal("model", (await _harness.Artifacts!.Index.GetLineageAsync(Artifacts.ArtifactReference.Parse((string)outputs["model"]!), CancellationToken.None))!.Kind);
        Assert.Equal(300, (int)outputs["vocab_size"]!);
        Assert.Equal(300, loaded.Tokenizer.VocabSize);
        Assert.Equal(ModelPresets.Parameters(loaded.Model), (long)outputs["parameters"]!);
        Assert.Equal(512, (int)outputs["context_window"]!);
        Assert.True(loaded.Tokenizer.Encode(" pipelines").Length == 1, "a word the corpus repeats is one token");
        Assert.Contains(_harness.Log, line => line.StartsWith("learning the tokenizer from 40 records of", StringComparison.Ordinal));
        Assert.Contains(_harness.Log, line => line.StartsWith("llama tiny: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"prompt\": \"Write a subject line.\\n\\nThe pipelines team meets on Thursday.\", \"completion\": \"pipelines meeting\"}\n")]
    [InlineData("The pipelines team meets on Thursday; pipelines meeting notes follow.\n")]
    public async Task Prompt_completion_records_and_plain_text_are_corpora_too(string line)
    {
        var corpus = _harness.Write("corpus", string.Concat(Enumerable.Repeat(line, 30)));

        var outputs = await _harness.RunAsync("model.init@1", Inputs(corpus));

        using var loaded = ModelFolder.Load(_harness.PathOf(outputs["model"]));
        Assert.Single(loaded.Tokenizer.Encode(" pipelines"));
    }

    [Fact]
    public async Task The_same_inputs_give_the_same_folder_and_another_seed_other_weights()
    {
        var corpus = TextDataset();

        var first = await _harness.RunAsync("model.init@1", Inputs(corpus));
        var again = await _harness.RunAsync("model.init@1", Inputs(corpus));
        var reseeded = await _harness.RunAsync("model.init@1", Inputs(corpus, seed: 1));

        Assert.Equal((string?)first["model"], (string?)again["model"]);
        Assert.NotEqual((string?)first["model"], (string?)reseeded["model"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_harness.PathOf(first["model"]), "tokenizer.json")),
            File.ReadAllBytes(Path.Combine(_harness.PathOf(reseeded["model"]), "tokenizer.json")));
    }

    [Fact]
    public async Task A_corpus_that_is_missing_or_not_a_dataset_fails_naming_the_input()
    {
        var bad = _harness.Write("bad.jsonl", "{\"text\": \"fine\"}\n{not json\n");

        var missing = await Assert.ThrowsAsync<ActivityFailedException>(() => _harness.RunAsync("model.init@1", Inputs(Path.Combine(_harness.Path, "nope.jsonl"))));
        var broken = await Assert.ThrowsAsync<ActivityFailedException>(() => _harness.RunAsync("model.init@1", Inputs(bad)));
        var folder = await Assert.ThrowsAsync<ActivityFailedException>(() => _harness.RunAsync("model.init@1", Inputs(_harness.Path)));

        Assert.StartsWith("corpus: ", missing.Message, StringComparison.Ordinal);
        Assert.Contains("nope.jsonl does not exist", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith($"corpus: {bad}:2: not valid JSON", broken.Message, StringComparison.Ordinal);
        Assert.StartsWith($"corpus: {_harness.Path} is not a file", folder.Message, StringComparison.Ordinal);
        Assert.False(broken.Retryable);
    }

    [Fact]
    public void The_inputs_offer_exactly_the_presets_and_architectures()
    {
        var descriptor = BuiltInActivities.CreateCatalog().Find("model.init", 1)!;

        Assert.Equal(ModelPresets.Sizes, descriptor.Input("preset")!.AllowedValues!);
        Assert.Equal(ModelPresets.Architectures, descriptor.Input("architecture")!.AllowedValues!);
        Assert.True(descriptor.Deterministic);
    }

    [Theory]
    [InlineData("llama", 3_950_848)]
    [InlineData("gpt2", 4_339_200)]
    public void The_mini_preset_sits_between_tiny_and_small(string architecture, long parameters)
    {
        using var mini = CausalLanguageModel.Create(ModelPresets.Config(architecture, "mini", vocabSize: 4096, specialId: 4095));
        using var small = CausalLanguageModel.Create(ModelPresets.Config(architecture, "small", vocabSize: 4096, specialId: 4095));

        Assert.Equal(parameters, ModelPresets.Parameters(mini));
        Assert.True(ModelPresets.Parameters(small) > 4 * parameters);
        Assert.Equal(2048, ModelPresets.DefaultVocabSize("mini"));
        Assert.Equal(512, mini.ContextWindow);
    }

    [Fact]
    public async Task In_a_pipeline_the_model_pretrains_with_train_full_and_a_second_run_takes_it_from_the_cache()
    {
        var corpus = TextDataset();
        await using var engine = await RunEngine.OpenAsync(Path.Combine(_harness.Path, "engine-data"), BuiltInActivities.CreateCatalog(), new RuntimeOptions { MaxParallel = 1 });
        var yaml = $$$"""
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata:
              name: pretrain
            steps:
              base:
                uses: model.init@1
                with:
                  architecture: gpt2
                  vocab_size: 300
                  corpus: {{{corpus}}}
              pretrain:
                uses: train.full@1
                with:
                  base_model: ${{ steps.base.outputs.model }}
                  dataset: {{{corpus}}}
                  learning_rate: 0.01
                  batch_size: 8
                  max_steps: 25
                  checkpoint_every: 0
                  device: cpu
            """;

        var (status, steps) = await PipelineRuns.RunAsync(engine, yaml);
        var (_, again) = await PipelineRuns.RunAsync(engine, yaml);

        Assert.True(status == RunStatus.Succeeded, string.Join('\n', steps.Select(s => $"{s.StepId}: {s.Error}")));
        var metrics = JsonNode.Parse(steps.Single(s => s.StepId == "pretrain").Outputs!)!["metrics"]!;
        Assert.True((double)metrics["final_train_loss"]! < 0.5 * (double)metrics["initial_train_loss"]!, metrics.ToJsonString());
        Assert.True(again.Single(s => s.StepId == "base").Cached);
        Assert.Equal(steps.Single(s => s.StepId == "base").Outputs, again.Single(s => s.StepId == "base").Outputs);
    }
}
