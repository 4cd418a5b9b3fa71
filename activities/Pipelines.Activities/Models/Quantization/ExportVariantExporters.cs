using Pipelines.Activities.Models.Export.Gguf;
using Pipelines.Activities.Models.Export.Onnx;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// Variants for ONNX Runtime (and ONNX Runtime GenAI): a decoder with a key/value cache, quantized matrices as
/// <c>MatMulNBits</c> multiplying int8 activations (<see cref="OnnxExportOptions"/>), plus <c>genai_config.json</c>.
/// </summary>
internal sealed class OnnxVariantExporter : IVariantExporter
{
    public string Format => "onnx";

    public long Write(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, string variantName, string directory) =>
        OnnxExport.Write(model, tokenizer, quantized, directory).TotalBytes;
}

/// <summary>
/// Variants for llama.cpp: one GGUF file per variant, F32 for fp32, Q8_0 for int8 (our per-channel integers exactly),
/// Q4_0 for int4 and int4-gptq (our blocks exactly). Matrices whose rows are not whole blocks of 32 fall back to F16,
/// as llama.cpp's quantize tool does; the log names them.
/// </summary>
internal sealed class GgufVariantExporter(Action<string>? log = null) : IVariantExporter
{
    public string Format => "gguf";

    public long Write(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, string variantName, string directory)
    {
        var type = quantized is null ? GgufType.F32 : quantized.Values.First().Bits == 8 ? GgufType.Q8_0 : GgufType.Q4_0;
        Directory.CreateDirectory(directory);
        var result = GgufExport.Write(model, tokenizer, type, quantized, Path.Join(directory, $"model-{type.ToString().ToLowerInvariant()}.gguf"));
        if (result.FellBack.Count > 0)
            log?.Invoke($"{variantName}: gguf keeps {result.FellBack.Count} matrices whose rows are not whole blocks of 32 as {string.Join("/", result.FellBack.Values.Distinct())} ({string.Join(", ", result.FellBack.Keys.Take(3))}{(result.FellBack.Count > 3 ? ", ..." : "")})");
        return result.Bytes;
    }
}
