namespace Pipelines.Activities.Models;

/// <summary>One file of a variant folder.</summary>
public sealed record VariantFile
{
    [Port("The path inside the variant folder, e.g. safetensors/model.safetensors.")]
    public required string Path { get; init; }

    [Port("The format (the exporter) that wrote it.")]
    public required string Format { get; init; }

    [Port("Bytes on disk.")]
    public required long Bytes { get; init; }
}

/// <summary>A variant as stored: one folder with a subfolder per format.</summary>
public sealed record VariantFolder
{
    [Port("The variant folder (artifact://sha256/...), one subfolder per format.")]
    public required string Folder { get; init; }

    [Port("Every file of the folder.")]
    public required IReadOnlyList<VariantFile> Files { get; init; }
}

/// <summary>How big one variant is in one format.</summary>
public sealed record VariantSize
{
    [Port("Bytes of the format's files on disk (weights, config and tokenizer; norms, biases and position embeddings stay float32 and are counted).")]
    public required long Bytes { get; init; }

    [Port("Bytes divided by the fp32 variant's bytes in the same format.")]
    public required double Ratio { get; init; }
}

/// <summary>What a variant does to predictions, measured against the fp32 model on held-out records.</summary>
public sealed record VariantQuality
{
    [Port("Perplexity of the variant on the quality records.")]
    public required double Perplexity { get; init; }

    [Port("100 · (perplexity − fp32 perplexity) / fp32 perplexity.")]
    public required double PerplexityChangePercent { get; init; }

    [Port("Mean KL(p_fp32 ‖ p_variant) of the next-token distributions, in nats, over every position that predicts a next token.")]
    public required double MeanKl { get; init; }

    [Port("The share of those positions where the variant's most likely token is the fp32 model's.")]
    public required double Top1Agreement { get; init; }
}

public sealed record ModelQuantizationOutputs
{
    [Port("The float32 model the variants come from, with the adapter merged when one was given: a Hugging Face–format folder.")]
    public required string Model { get; init; }

    [Port("Per variant (fp32 and each one asked for): its folder and files.")]
    public required IReadOnlyDictionary<string, VariantFolder> Variants { get; init; }

    [Port("Per variant, per format: bytes on disk and the ratio to fp32.")]
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, VariantSize>> Sizes { get; init; }

    [Port("Per quantized variant: perplexity, its change against fp32, mean KL and top-1 agreement; empty without a dataset.")]
    public required IReadOnlyDictionary<string, VariantQuality> Quality { get; init; }

    [Port("Perplexity of the fp32 model on the quality records; null without a dataset.")]
    public double? Fp32Perplexity { get; init; }

    [Port("Positions (tokens with a next token) the quality was measured on; 0 without a dataset.")]
    public required long QualityPositions { get; init; }

    [Port("The report: one HTML file with the sizes, the quality and a chart of size against quality per variant.")]
    public required string Report { get; init; }
}
