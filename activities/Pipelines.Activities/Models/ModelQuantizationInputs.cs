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

    [Port("A curated dataset folder holding train.jsonl and validation.jsonl or test.jsonl ({prompt, completion} or {text} per line): GPTQ calibrates on the train split, quality is measured on the validation split (the test split when there is none). Without it no quality is measured and int4-gptq cannot run.")]
    [LocalPath]
    public string? Dataset { get; init; }

    [Port("The variants to make besides fp32: int8 (round-to-nearest, one scale per output channel), int4 (round-to-nearest, Q4_0 blocks of 32), int4-gptq (GPTQ into the same blocks; needs `dataset`).")]
    public IReadOnlyList<string> Variants { get; init; } = [QuantizationVariants.Int8, QuantizationVariants.Int4, QuantizationVariants.Int4Gptq];

    [Port("Records of the train split GPTQ calibrates on (the first ones, in file order).")]
    [Range(1, 100_000)]
    public int CalibrationSamples { get; init; } = 128;

    [Port("Records of the validation split quality is measured on (the first ones, in file order).")]
    [Range(1, 100_000)]
    public int QualitySamples { get; init; } = 64;

    [Port("Tokens per record, for calibration and quality alike; longer records are cut at the end (at most the model's context window).")]
    [Range(2, 1_048_576)]
    public int MaxLength { get; init; } = 256;
}
