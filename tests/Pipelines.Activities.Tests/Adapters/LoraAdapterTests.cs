using System.Text.Json.Nodes;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.SafeTensors;
using Snapshooter;
using Snapshooter.Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Adapters;

public sealed class LoraAdapterTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("lora-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static (CausalLanguageModel Model, TextTokenizer Tokenizer) Tiny(string architecture) => ModelPresets.Create(architecture, "tiny", seed: 7);

    static Tensor Logits(CausalLanguageModel model, long[] ids)
    {
        model.eval();
        using var _ = no_grad();
        return model.Forward(tensor(ids, [1, ids.Length])).detach().clone();
    }

    static readonly long[] Ids = [1, 5, 9, 42, 17, 3, 99, 250];

    static void RandomizeB(LoraModel lora, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using (no_grad())
            foreach (var (_, layer) in lora.Layers) layer.B.weight.normal_(0, 0.05, generator);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void A_fresh_adapter_leaves_the_model_output_unchanged(string architecture)
    {
        var (model, _) = Tiny(architecture);
        var before = Logits(model, Ids);
        var lora = LoraInjection.Apply(model, new LoraSettings { Rank = 4, Alpha = 8 });
        Assert.NotEmpty(lora.Layers);
        Assert.True(before.allclose(Logits(model, Ids), rtol: 0, atol: 0));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Merged_weights_give_the_outputs_of_base_plus_adapter(string architecture)
    {
        var (model, _) = Tiny(architecture);
        var baseLogits = Logits(model, Ids);
        var baseWeights = LoraTargets.Projections(model).Select(p => p.Projection.weight.detach().clone()).ToList();
        var lora = LoraInjection.Apply(model, new LoraSettings { Rank = 4, Alpha = 16, TargetModules = JsonValue.Create("all-linear") });
        RandomizeB(lora, 3);

        var unmerged = Logits(model, Ids);
        Assert.False(unmerged.allclose(baseLogits, rtol: 0, atol: 1e-4), "the adapter should change the outputs");
        lora.Merge();
        var merged = Logits(model, Ids);
        Assert.True(merged.allclose(unmerged, rtol: 0, atol: 1e-5), $"max difference {(merged - unmerged).abs().max().item<float>()}");

        lora.Unmerge();
        var restored = LoraTargets.Projections(model).Select(p => p.Projection.weight).ToList();
        for (var i = 0; i < restored.Count; i++) Assert.True(restored[i].allclose(baseWeights[i], rtol: 0, atol: 1e-6));
        Assert.True(Logits(model, Ids).allclose(unmerged, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Scaling_is_alpha_over_r_or_over_its_square_root_with_rslora()
    {
        var (model, _) = Tiny("llama");
        var plain = LoraInjection.Apply(model, new LoraSettings { Rank = 4, Alpha = 8 });
        Assert.All(plain.Layers, l => Assert.Equal(2.0, l.Layer.Scaling));
        var (other, _) = Tiny("llama");
        var stabilised = LoraInjection.Apply(other, new LoraSettings { Rank = 4, Alpha = 8, UseRsLora = true });
        Assert.All(stabilised.Layers, l => Assert.Equal(4.0, l.Layer.Scaling));
    }

    [Fact]
    public void A_is_kaiming_uniform_and_b_is_zero()
    {
        var (model, _) = Tiny("llama");
        var lora = LoraInjection.Apply(model, new LoraSettings { Rank = 8, Alpha = 16 }, new Generator(1));
        foreach (var (_, layer) in lora.Layers)
        {
            var bound = 1 / Math.Sqrt(layer.A.weight.shape[1]);
            Assert.True(layer.A.weight.abs().max().item<float>() <= bound);
            Assert.True(layer.A.weight.std().item<float>() > bound / 3);
            Assert.Equal(0f, layer.B.weight.abs().sum().item<float>());
        }
    }

    [Fact]
    public void Only_adapter_weights_train()
    {
        var (model, _) = Tiny("llama");
        var lora = LoraInjection.Apply(model, new LoraSettings { Rank = 2, Alpha = 4 });
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Equal(lora.Layers.Count * 2, trainable.Count);
        Assert.All(trainable, name => Assert.Matches(@"\.lora_[AB]\.weight$", name));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Saved_adapters_use_peft_key_names_and_shapes(string architecture)
    {
        var (model, _) = Tiny(architecture);
        var lora = LoraInjection.Apply(model, new LoraSettings { Rank = 4, Alpha = 8 });
        PeftAdapter.Save(lora, _directory);

        using var file = SafeTensorsFile.Open(Path.Join(_directory, PeftAdapter.WeightsFile));
        var keys = file.Tensors.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => $"{t.Name} {t.DType} [{string.Join(", ", t.Shape)}]");
        var config = JsonNode.Parse(File.ReadAllText(Path.Join(_directory, PeftAdapter.ConfigFile)))!;
        Snapshot.Match(new
        {
            keys,
            peft_type = (string?)config["peft_type"],
            r = (int?)config["r"],
            lora_alpha = (double?)config["lora_alpha"],
            target_modules = config["target_modules"]?.ToJsonString(),
            fan_in_fan_out = (bool?)config["fan_in_fan_out"],
        }, SnapshotNameExtension.Create(architecture));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void A_saved_adapter_loads_onto_a_fresh_base_with_the_same_outputs(string architecture)
    {
        var (model, _) = Tiny(architecture);
        var lora = LoraInjection.Apply(model, new LoraSettings { Rank = 4, Alpha = 8, TargetModules = JsonValue.Create("all-linear") });
        RandomizeB(lora, 11);
        var expected = Logits(model, Ids);
        PeftAdapter.Save(lora, _directory);

        var (fresh, _) = Tiny(architecture);
        var loaded = PeftAdapter.Load(fresh, _directory);
        Assert.Equal(lora.Layers.Select(l => l.Path), loaded.Layers.Select(l => l.Path));
        Assert.True(Logits(fresh, Ids).allclose(expected, rtol: 0, atol: 0));
    }

    [Fact]
    public void An_adapter_of_another_rank_is_refused_naming_the_key()
    {
        var (model, _) = Tiny("llama");
        PeftAdapter.Save(LoraInjection.Apply(model, new LoraSettings { Rank = 4, Alpha = 8 }), _directory);
        var config = Path.Join(_directory, PeftAdapter.ConfigFile);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"r\": 4", "\"r\": 2"));

        var (fresh, _) = Tiny("llama");
        var error = Assert.Throws<ModelFormatException>(() => PeftAdapter.Load(fresh, _directory));
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", error.Message);
        Assert.Contains("[4, 64]", error.Message);
    }

    [Fact]
    public void Target_modules_match_as_peft_matches_them()
    {
        var (model, _) = Tiny("llama");
        string[] Paths(JsonNode targets) => LoraTargets.Select(model, targets).Select(s => s.Path).ToArray();

        Assert.Equal(["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"], Paths(new JsonArray("q_proj")));
        Assert.Equal(["model.layers.1.mlp.down_proj"], Paths(JsonValue.Create(@"model\.layers\.1\.mlp\.down_proj")));
        var all = Paths(JsonValue.Create("all-linear"));
        Assert.Equal(14, all.Length);
        Assert.DoesNotContain(all, p => p.Contains("lm_head", StringComparison.Ordinal));

        var error = Assert.Throws<ArgumentException>(() => Paths(new JsonArray("query")));
        Assert.Contains("q_proj", error.Message);
    }
}
