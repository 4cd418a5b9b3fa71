using Pipelines.Activities.Models.Quantization;

namespace Pipelines.Activities.Models;

public sealed record ModelQuantizationInputs
{
    [Port("The model to quantize: a Hugging Face–format folder (config.json, model.safetensors, tokenizer files), as an artifact (artifact://sha256/...) or a local path.")]
    [LocalPath]
    public required string Model { get; init; }

    [Port("A LoRA adapter (PEFT format, e.g. train.lora's `adapter`) merged into `model` before quantizing; it must have been trained on this model.")]
    [LocalPath]
    public string? Adapter { get; init; }

    [Port("Held-out records the variants' quality is measured on against fp32 (perplexity, KL, top-1 agreement): a JSONL file of {prompt, completion} or {text}, e.g. data.curate's validation split. Without it no quality is measured.")]
    [LocalPath]
    public string? Dataset { get; init; }

    [Port("Records GPTQ calibrates on (int4-gptq): a JSONL file of {prompt, completion} or {text}, e.g. data.curate's train split.")]
    [LocalPath]
    public string? Calibration { get; init; }

    [Port("The variants to make besides fp32: int8 (round-to-nearest, one scale per output channel), int4 (round-to-nearest, Q4_0 blocks of 32), int4-gptq (GPTQ into the same blocks; needs `calibration`).")]
    public IReadOnlyList<string> Variants { get; init; } = [QuantizationVariants.Int8, QuantizationVariants.Int4, QuantizationVariants.Int4Gptq];

    [Port("Records of `calibration` GPTQ calibrates on (the first ones, in file order).")]
    [Range(1, 100_000)]
    public int CalibrationSamples { get; init; } = 128;

    [Port("Records of `dataset` quality is measured on (the first ones, in file order).")]
    [Range(1, 100_000)]
    public int QualitySamples { get; init; } = 64;

    [Port("Tokens per record, for calibration and quality alike; longer records are cut at the end (at most the model's context window).")]
    [Range(2, 1_048_576)]
    public int MaxLength { get; init; } = 256;
}
