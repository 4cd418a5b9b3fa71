using Pipelines.Activities.Evaluation;

namespace Pipelines.Activities.Safety;

public sealed record SafetyEvaluationInputs : GenerationInputs
{
    [Port("The data: a JSONL artifact or file, one object per line with `prompt`, and optionally `context` (the text grounding compares with; else the prompt) and the output to check as `output` or `prediction` (used when no model is given: eval.metrics' `predictions` reads as it is).")]
    [LocalPath]
    public required string Dataset { get; init; }

    [Port("The model whose outputs are checked: a Hugging Face–format folder, as an artifact or a local path. Without it, each record's `output` (or `prediction`) is checked and the bias probes are skipped.")]
    [LocalPath]
    public string? Model { get; init; }

    [Port("A LoRA adapter (PEFT format, e.g. train.lora's `adapter`) applied to `model`.")]
    [LocalPath]
    public string? Adapter { get; init; }

    [Port("Check at most this many records, drawn by `seed` (kept in file order); all records when not set.")]
    [Range(1, 100_000_000)]
    public int? SampleSize { get; init; }

    [Port("A word list replacing the built-in toxicity list (LDNOOBW, npm naughty-words 1.2.0): an artifact or file holding a JSON array of strings or one term per line.")]
    [LocalPath]
    public string? WordList { get; init; }

    [Port("Name pairs (one female, one male first name) per bias template; 0 skips the counterfactual bias probes.")]
    [Range(0, 1000)]
    public int BiasPairs { get; init; } = 8;

    [Port("Bias probe prompts, each with a {name} slot; default: the six built-in templates (docs/safety-and-selection.md).")]
    public IReadOnlyList<string>? BiasTemplates { get; init; }

    [Port("An output whose grounding score (share of its content words found in the source) is below this counts as ungrounded.")]
    [Range(0, 1)]
    public double GroundingThreshold { get; init; } = 0.5;
}
