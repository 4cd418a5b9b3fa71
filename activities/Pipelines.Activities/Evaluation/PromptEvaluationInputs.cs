namespace Pipelines.Activities.Evaluation;

public sealed record PromptEvaluationInputs : GenerationInputs
{
    [Port("The base model: a Hugging Face–format folder, as an artifact (artifact://sha256/...) or a local path.")]
    [LocalPath]
    public required string Model { get; init; }

    [Port("A LoRA adapter (PEFT format) applied to `model`.")]
    [LocalPath]
    public string? Adapter { get; init; }

    [Port("The validation data the templates are scored on: a JSONL artifact or file of {prompt, completion} (e.g. data.curate's `validation`).")]
    [LocalPath]
    public required string Dataset { get; init; }

    [Port("Where the examples of few-shot templates come from: a JSONL artifact or file of {prompt, completion} (e.g. data.curate's `train`). Needed when a template has shots.")]
    [LocalPath]
    public string? Train { get; init; }

    [Port("The templates to compare: a list of {name, template, shots, shot_template}.")]
    public required IReadOnlyList<PromptCandidate> Templates { get; init; }

    [Port("How one example is rendered into {shots}: {prompt} and {completion} of the example (and any other field); examples follow each other directly.")]
    public string ShotTemplate { get; init; } = "{prompt}{completion}\n\n";

    [Port("The metric that picks `best` (perplexity: the lowest wins; any other: the highest).")]
    [OneOf("rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "chrf", "exact_match", "perplexity")]
    public string Metric { get; init; } = "rougeL";

    [Port("What to compute for every template (`metric` is always included): rouge, bleu, chrf, exact_match, perplexity, length.")]
    public IReadOnlyList<string> Metrics { get; init; } = MetricSet.AllGroups;

    [Port("Score at most this many validation records, drawn by `seed` (kept in file order); every record when not set.")]
    [Range(1, 100_000_000)]
    public int? SampleSize { get; init; } = 100;
}
