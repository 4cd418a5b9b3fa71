using System.Text.Json.Nodes;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Models;

public sealed class ModelFolderTests : IDisposable
{
    private static readonly long[] Tokens = [5, 1, 33, 7, 7, 20];
    private readonly TinyModels.TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Architectures => new("llama", "llama-untied", "qwen2", "gpt2");

    private static ModelConfig ConfigOf(string name) => name switch
    {
        "llama" => TinyModels.LlamaConfig(),
        "llama-untied" => TinyModels.LlamaConfig(tied: false),
        "qwen2" => TinyModels.LlamaConfig(modelType: "qwen2"),
        _ => TinyModels.Gpt2Config(),
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Save_then_load_gives_identical_logits(string architecture)
    {
        using var model = TinyModels.Random(ConfigOf(architecture));
        ModelFolder.Save(model, TokenizerTests.Learned(), _folder.Path);

        using var loaded = ModelFolder.Load(_folder.Path);

        Assert.Equal(model.Architecture, loaded.Model.Architecture);
        Assert.Equal(Json(model.Config with { TorchDtype = "float32" }), Json(loaded.Config));
        Assert.True(TinyModels.Same(model.Forward(TinyModels.Ids(Tokens)), loaded.Model.Forward(TinyModels.Ids(Tokens))));
        Assert.False(loaded.Model.training);
    }

    private static string Json(ModelConfig config) => System.Text.Json.JsonSerializer.Serialize(config, config.GetType(), ModelConfig.Json);

    [Fact]
    public void A_sharded_save_loads_the_same_model()
    {
        using var model = TinyModels.Random(TinyModels.LlamaConfig(tied: false));

        ModelFolder.Save(model, TokenizerTests.Learned(), _folder.Path, maxShardBytes: 4096);
        using var loaded = ModelFolder.Load(_folder.Path);

        Assert.True(Directory.GetFiles(_folder.Path, "model-*-of-*.safetensors").Length > 2);
        Assert.True(File.Exists(_folder.Sub("model.safetensors.index.json")));
        Assert.True(TinyModels.Same(model.Forward(TinyModels.Ids(Tokens)), loaded.Model.Forward(TinyModels.Ids(Tokens))));
    }

    [Fact]
    public void Gpt2_weights_without_the_transformer_prefix_and_with_attention_buffers_load()
    {
        using var model = TinyModels.Random(TinyModels.Gpt2Config());
        ModelFolder.Save(model, TokenizerTests.Learned(), _folder.Path);
        var renamed = model.CheckpointTensors()
            .Select(t => new KeyValuePair<string, Tensor>(t.Key["transformer.".Length..], t.Value))
            .Append(new("h.0.attn.bias", ones(1, 1, 32, 32).tril()))
            .Append(new("h.0.attn.masked_bias", tensor(-1e4f)))
            .ToList();
        SafeTensorsFile.Write(_folder.Sub("model.safetensors"), renamed);

        using var loaded = ModelFolder.Load(_folder.Path);

        Assert.True(TinyModels.Same(model.Forward(TinyModels.Ids(Tokens)), loaded.Model.Forward(TinyModels.Ids(Tokens))));
        Assert.StartsWith("transformer.", loaded.Model.CheckpointTensors().First().Key);
    }

    [Fact]
    public void A_bfloat16_checkpoint_loads_as_float32_and_float32_loads_as_bfloat16()
    {
        using var model = TinyModels.Random(TinyModels.LlamaConfig());
        model.to(ScalarType.BFloat16);
        ModelFolder.Save(model, TokenizerTests.Learned(), _folder.Path);

        using var asFloat = ModelFolder.Load(_folder.Path);
        using var file = SafeTensorsFile.Open(_folder.Sub("model.safetensors"));

        Assert.Equal("bfloat16", ModelConfig.Load(_folder.Path).TorchDtype);
        Assert.All(file.Tensors.Values, t => Assert.Equal("BF16", t.DType));
        Assert.Equal(ScalarType.Float32, asFloat.Model.DType);
        Assert.True(TinyModels.MaxDifference(model.Forward(TinyModels.Ids(Tokens)), asFloat.Model.Forward(TinyModels.Ids(Tokens))) < 0.1);

        ModelFolder.Save(asFloat.Model, asFloat.Tokenizer, _folder.Sub("f32"));
        using var asBf16 = ModelFolder.Load(_folder.Sub("f32"), dtype: ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, asBf16.Model.DType);
        Assert.Equal(ScalarType.Float32, asBf16.Model.Forward(TinyModels.Ids(Tokens)).dtype);
        Assert.True(asBf16.Model.CheckpointTensors().Zip(model.CheckpointTensors()).All(p => TinyModels.Same(p.First.Value, p.Second.Value)));
    }

    [Fact]
    public void Config_keys_we_do_not_model_survive_load_and_save()
    {
        using var model = TinyModels.Random(TinyModels.LlamaConfig());
        ModelFolder.Save(model, TokenizerTests.Learned(), _folder.Path);
        var json = JsonNode.Parse(File.ReadAllText(_folder.Sub("config.json")))!;
        json["transformers_version"] = "4.44.0";
        json["use_cache"] = true;
        json.AsObject().Remove("torch_dtype");
        json["dtype"] = "float32";
        File.WriteAllText(_folder.Sub("config.json"), json.ToJsonString());

        using var loaded = ModelFolder.Load(_folder.Path);
        ModelFolder.Save(loaded.Model, loaded.Tokenizer, _folder.Sub("again"));
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder.Sub("again"), "config.json")))!;

        Assert.Equal("4.44.0", saved["transformers_version"]!.GetValue<string>());
        Assert.True(saved["use_cache"]!.GetValue<bool>());
        Assert.Equal("float32", saved["torch_dtype"]!.GetValue<string>());
        Assert.Equal(16, saved["hidden_size"]!.GetValue<int>());
        Assert.Equal(39, saved["eos_token_id"]!.GetValue<int>());
    }

    [Fact]
    public void A_missing_folder_or_config_is_an_error_naming_it()
    {
        var missing = _folder.Sub("nope");
        Assert.Equal($"the model folder {missing} does not exist", Assert.Throws<ModelFormatException>(() => ModelFolder.Load(missing)).Message);
        Assert.Equal($"{_folder.Path} has no config.json", Assert.Throws<ModelFormatException>(() => ModelFolder.Load(_folder.Path)).Message);
    }

    [Fact]
    public void An_unsupported_model_type_names_the_file_and_the_supported_ones()
    {
        File.WriteAllText(_folder.Sub("config.json"), """{"model_type": "phi3", "vocab_size": 10}""");

        var error = Assert.Throws<ModelFormatException>(() => ModelFolder.Load(_folder.Path));

        Assert.Equal($"{_folder.Sub("config.json")}: model_type 'phi3' is not supported", error.Message);
        Assert.Contains("llama, mistral, qwen2, gpt2", error.Hint);
    }

    [Fact]
    public void Weights_that_disagree_with_config_json_name_the_file_and_key()
    {
        using var model = TinyModels.Random(TinyModels.LlamaConfig());
        ModelFolder.Save(model, TokenizerTests.Learned(), _folder.Path);
        (TinyModels.LlamaConfig() with { IntermediateSize = 32 }).Save(_folder.Path);

        var shape = Assert.Throws<ModelFormatException>(() => ModelFolder.Load(_folder.Path));

        Assert.Equal($"{_folder.Sub("model.safetensors")}: 'model.layers.0.mlp.gate_proj.weight' has shape [24, 16] but config.json implies [32, 16]", shape.Message);

        TinyModels.LlamaConfig(tied: false).Save(_folder.Path);
        var missing = Assert.Throws<ModelFormatException>(() => ModelFolder.Load(_folder.Path));
        Assert.Equal($"{_folder.Path}: the weights (model.safetensors) have no tensor 'lm_head.weight'", missing.Message);
    }

    [Fact]
    public void Parameter_names_are_the_hugging_face_keys()
    {
        using var llama = CausalLanguageModel.Create(TinyModels.LlamaConfig(tied: false));
        using var gpt2 = CausalLanguageModel.Create(TinyModels.Gpt2Config());

        Assert.Contains("model.layers.0.self_attn.q_proj.weight", llama.CheckpointTensors().Select(t => t.Key));
        Assert.Contains("lm_head.weight", llama.CheckpointTensors().Select(t => t.Key));
        Assert.Equal([16L, 48], gpt2.CheckpointTensors().Single(t => t.Key == "transformer.h.0.attn.c_attn.weight").Value.shape);
        Assert.Equal(["q_proj", "v_proj"], llama.DefaultLoraTargets);
        Assert.Equal(["c_attn"], gpt2.DefaultLoraTargets);
        Assert.Equal((64, 32), (llama.ContextWindow, gpt2.ContextWindow));
    }
}
