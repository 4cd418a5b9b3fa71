namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// Variants as our own runtime reads them: the float32 variant as a model folder (<see cref="ModelFolder.Load"/>), a
/// quantized one as a <see cref="QuantizedCheckpoint"/> (<see cref="QuantizedCheckpoint.Load"/>).
/// </summary>
internal sealed class SafeTensorsVariantExporter : IVariantExporter
{
    public string Format => "safetensors";

    public long Write(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, string variantName, string directory)
    {
        if (quantized is null) ModelFolder.Save(model, tokenizer, directory);
        else QuantizedCheckpoint.Save(model, tokenizer, quantized, directory);
        return new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
    }
}
