using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Models.Tokenization;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>What <see cref="OnnxExport.Write"/> wrote: every file of the folder and their bytes together.</summary>
public sealed record OnnxExportResult(string Directory, IReadOnlyList<string> Files, long TotalBytes);

/// <summary>
/// Writes a model as an ONNX Runtime GenAI folder: <c>model.onnx</c> (a decoder with a key/value cache in GenAI's
/// names and BNSH layout), its weights in <c>model.onnx.data</c>, <c>genai_config.json</c>, <c>config.json</c> and the
/// tokenizer files. The graph computes what the TorchSharp forward computes; weights named in a quantized variant are
/// stored as ONNX Runtime's 4- or 8-bit blocks (<c>MatMulNBits</c>, <c>GatherBlockQuantized</c>).
/// </summary>
public static class OnnxExport
{
    public const string ModelFile = "model.onnx";
    public const string DataFile = "model.onnx.data";

    /// <summary>
    /// The model metadata key that names the key/value cache's layout, and its value for exports whose attention reads
    /// each row's length and may write present into past's buffer (<c>GroupQueryAttention</c>), which serving's slots
    /// need. Exports made before it concatenated past and new keys and carry no such key.
    /// </summary>
    public const string CacheLayoutKey = "pipelines.kv_cache", SlotsLayout = "slots";

    /// <summary>
    /// Where a model's files hold an export: their <c>onnx/</c> subfolder (model.quantize's layout) or the folder
    /// itself; null when neither has <see cref="ModelFile"/>.
    /// </summary>
    public static string? FolderIn(string folder)
    {
        var onnx = Path.Join(folder, "onnx");
        if (File.Exists(Path.Join(onnx, ModelFile))) return onnx;
        return File.Exists(Path.Join(folder, ModelFile)) ? folder : null;
    }

    /// <summary>
    /// Exports <paramref name="model"/> and <paramref name="tokenizer"/> into <paramref name="directory"/>; the matrices
    /// in <paramref name="quantized"/> (keys from <see cref="QuantizedWeights.Matrices"/>) replace their float weights.
    /// Weights are written one tensor at a time.
    /// </summary>
    public static OnnxExportResult Write(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, string directory,
        OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        CheckNoUnmergedAdapters(model);
        Directory.CreateDirectory(directory);
        byte[] graph;
        using (var weights = new OnnxWeightFile(Path.Combine(directory, DataFile)))
        {
            var onnx = new OnnxGraph(weights);
            var decoder = model switch
            {
                Llama llama => Build(onnx, quantized, options, llama, (LlamaConfig)llama.Config),
                Gpt2 gpt2 => Build(onnx, quantized, options, gpt2, (Gpt2Config)gpt2.Config),
                _ => throw new ModelFormatException($"{model.Architecture} models cannot be exported to ONNX", "export a Llama or GPT-2 model"),
            };
            var unused = decoder.UnusedQuantized.ToList();
            if (unused.Count > 0)
            {
                throw new ArgumentException($"quantized matrices {string.Join(", ", unused)} name no weight of this {model.Architecture} model; pass the keys QuantizedWeights.Matrices gives for it");
            }

            graph = onnx.ToModel("pipelines", new Dictionary<string, string> { [CacheLayoutKey] = SlotsLayout });
        }

        File.WriteAllBytes(Path.Combine(directory, ModelFile), graph);
        GenAiConfig.Write(model, tokenizer, Path.Combine(directory, GenAiConfig.FileName));
        model.Config.Save(directory);
        tokenizer.Save(directory);
        var files = Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return new OnnxExportResult(directory, files!, files.Sum(f => new FileInfo(Path.Combine(directory, f!)).Length));
    }

    private static DecoderGraph Build(OnnxGraph onnx, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, OnnxExportOptions options, Llama model, LlamaConfig c)
    {
        var decoder = new DecoderGraph(onnx, quantized, c.NumAttentionHeads, c.KeyValueHeads, c.HeadDimension, options);
        LlamaGraph.Build(model, decoder);
        return decoder;
    }

    private static DecoderGraph Build(OnnxGraph onnx, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, OnnxExportOptions options, Gpt2 model, Gpt2Config c)
    {
        var decoder = new DecoderGraph(onnx, quantized, c.NHead, c.NHead, c.NEmbd / c.NHead, options);
        Gpt2Graph.Build(model, decoder);
        return decoder;
    }

    /// <summary>The graph reads base weights only; an adapter that is not merged would be silently dropped.</summary>
    private static void CheckNoUnmergedAdapters(CausalLanguageModel model)
    {
        var adapted = model.named_modules().Where(m => m.module is Projection { Lora.Merged: false }).Select(m => m.name).FirstOrDefault();
        if (adapted is not null)
        {
            throw new ModelFormatException($"{adapted} carries a LoRA adapter that is not merged", "merge the adapter into the weights before exporting to ONNX");
        }
    }
}

/// <summary>How quantized weights compute in the exported graph.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Quantized matrices multiply int8-quantized activations (<c>MatMulNBits</c> accuracy_level 4, what llama.cpp
    /// does for its quantized types): the fast path of ONNX Runtime's CPU kernels, at a small cost in accuracy that the
    /// quality measurement through ONNX Runtime shows. False: float32 activations, the dequantized model's exact products.
    /// </summary>
    public bool Int8Activations { get; init; } = true;
}
