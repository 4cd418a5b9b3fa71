namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// Writes one variant of a model (float32, or quantized) in one file format. model.quantize gives every variant to each
/// registered exporter, each into its own subfolder named by <see cref="Format"/>; sizes are compared per format.
/// </summary>
internal interface IVariantExporter
{
    /// <summary>The format's name, also the subfolder of the variant folder: <c>safetensors</c>, <c>onnx</c>, <c>gguf</c>.</summary>
    string Format { get; }

    /// <summary>
    /// Writes <paramref name="model"/> (float32) into <paramref name="directory"/> as variant <paramref name="variantName"/>:
    /// unquantized when <paramref name="quantized"/> is null, otherwise with those matrices (keyed by checkpoint key)
    /// stored quantized. Returns the bytes written.
    /// </summary>
    long Write(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, string variantName, string directory);
}
