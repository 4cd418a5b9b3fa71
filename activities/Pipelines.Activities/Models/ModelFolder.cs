using Pipelines.Activities.Models.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

/// <summary>A model read from a folder: the network, its tokenizer and where it came from. Disposing frees the weights.</summary>
public sealed class LoadedModel(CausalLanguageModel model, TextTokenizer tokenizer, string directory) : IDisposable
{
    public CausalLanguageModel Model { get; } = model;

    public TextTokenizer Tokenizer { get; } = tokenizer;

    public ModelConfig Config => Model.Config;

    /// <summary>The folder, as a full path.</summary>
    public string Directory { get; } = directory;

    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Hugging Face model folders: <c>config.json</c>, <c>model.safetensors</c> (or shards with
/// <c>model.safetensors.index.json</c>) and tokenizer files, read and written in the layout <c>save_pretrained</c> uses.
/// </summary>
public static class ModelFolder
{
    /// <summary>
    /// Reads the model and tokenizer of <paramref name="directory"/>, converting the weights to <paramref name="dtype"/>
    /// (a bf16 checkpoint loads as float32 and the other way round) on <paramref name="device"/> (CPU when null).
    /// The model is in eval mode, as <c>from_pretrained</c> returns it.
    /// </summary>
    public static LoadedModel Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var full = Path.GetFullPath(directory);
        var model = LoadModel(full, device, dtype);
        try
        {
            return new LoadedModel(model, TextTokenizer.Load(full), full);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Reads only the network of <paramref name="directory"/> (config.json and the weights).</summary>
    public static CausalLanguageModel LoadModel(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (!IsFloatingPoint(dtype)) throw new ArgumentException($"models load as a floating-point dtype, not {dtype}", nameof(dtype));
        var config = ModelConfig.Load(directory);
        var model = CausalLanguageModel.Create(config);
        try
        {
            if (dtype != ScalarType.Float32) model.to(dtype);
            LoadWeights(model, directory);
            if (device is not null && device.type != DeviceType.CPU) model.to(device);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies every parameter of <paramref name="model"/> from the checkpoint of <paramref name="directory"/>, one
    /// tensor at a time, converting dtypes. A missing key or a shape that disagrees with config.json is an error naming
    /// the folder, file and key. Keys the model does not use (buffers such as GPT-2's <c>attn.bias</c>, a tied
    /// <c>lm_head.weight</c>) are ignored.
    /// </summary>
    public static void LoadWeights(CausalLanguageModel model, string directory)
    {
        using var checkpoint = Checkpoint.Open(directory);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.CheckpointTensors())
        {
            var key = model.FindKey(name, checkpoint.Contains)
                ?? throw new ModelFormatException($"{directory}: the weights ({string.Join(", ", checkpoint.Files)}) have no tensor '{name}'",
                    $"config.json describes a {model.Config.ModelType} model this checkpoint does not match; use the config.json saved with these weights");
            var info = checkpoint.Info(key);
            if (!info.Shape.SequenceEqual(parameter.shape))
            {
                throw new ModelFormatException(
                    $"{checkpoint.PathOf(key)}: '{key}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", parameter.shape)}]",
                    "config.json and the weights disagree; use the config.json saved with these weights");
            }

            if (!IsFloatingPoint(info.Type))
            {
                throw new ModelFormatException($"{checkpoint.PathOf(key)}: '{key}' is {info.DType}, not a floating-point tensor",
                    "quantized checkpoints are not read here; use the unquantized weights");
            }

            using var stored = checkpoint.Read(key);
            parameter.copy_(stored);
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> and <paramref name="tokenizer"/> into <paramref name="directory"/>: config.json
    /// (with <c>torch_dtype</c> set to the weights' dtype), the weights in their dtype (sharded with an index when over
    /// <paramref name="maxShardBytes"/>) and the tokenizer files. LoRA adapters are not part of the weights.
    /// </summary>
    public static void Save(CausalLanguageModel model, TextTokenizer tokenizer, string directory, long? maxShardBytes = null)
    {
        SaveModel(model, directory, maxShardBytes);
        tokenizer.Save(directory);
    }

    /// <summary>Writes config.json and the weights of <paramref name="model"/> (no tokenizer).</summary>
    public static void SaveModel(CausalLanguageModel model, string directory, long? maxShardBytes = null)
    {
        Directory.CreateDirectory(directory);
        var tensors = model.CheckpointTensors().ToList();
        (model.Config with { TorchDtype = ModelConfig.NameOf(tensors[0].Value.dtype) }).Save(directory);
        Checkpoint.Write(directory, tensors, maxShardBytes);
    }

    private static bool IsFloatingPoint(ScalarType type) => type is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
}
