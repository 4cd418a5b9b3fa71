using Pipelines.Activities.Evaluation;

namespace Pipelines.Activities.Selection;

public sealed record ModelSelectionInputs : GenerationInputs
{
    [Port("Candidate base models: Hugging Face–format folders (config.json, model.safetensors, tokenizer files), as artifacts or local paths.")]
    [LocalPath]
    public required IReadOnlyList<string> Candidates { get; init; }

    [Port("Task data for the metrics: a JSONL artifact or file of {prompt, completion} (e.g. data.curate's `validation`); without it no metric is measured.")]
    [LocalPath]
    public string? Dataset { get; init; }

    [Port("Score each candidate on this many records, drawn by `seed` (kept in file order).")]
    [Range(1, 100_000_000)]
    public int? SampleSize { get; init; } = 20;

    [Port("What to compute on the sample: rouge (rouge1, rouge2, rougeL, rougeLsum), bleu, chrf, exact_match, perplexity, length (avg_length, length_ratio).")]
    public IReadOnlyList<string> Metrics { get; init; } = MetricSet.AllGroups;

    [Port("How to pick: {maximize: column} or {minimize: column}, with optional `require` bounds. Default: maximize rougeL with a dataset, else tokens_per_second.")]
    public SelectionRule? Rule { get; init; }

    [Port("What an hour of the machine costs (any currency); gives cost_per_1k_tokens = price_per_hour / 3600 / tokens_per_second × 1000.")]
    [Range(0, 1_000_000)]
    public double? PricePerHour { get; init; }

    [Port("Prompts timed per candidate, one at a time (the sample's first prompts, else built-in ones).")]
    [Range(1, 100)]
    public int SpeedPrompts { get; init; } = 3;

    [Port("New tokens generated per timed prompt (end-of-text does not stop them, so every candidate does the same work).")]
    [Range(2, 4096)]
    public int SpeedTokens { get; init; } = 32;
}
