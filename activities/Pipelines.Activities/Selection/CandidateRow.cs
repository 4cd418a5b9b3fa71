namespace Pipelines.Activities.Selection;

/// <summary>One candidate model, measured: what it is, how fast it runs here, how well it does the task, what it costs.</summary>
public sealed record CandidateRow
{
    [Port("The candidate as given (a path or an artifact reference).")]
    public required string Model { get; init; }

    [Port("The model folder's name.")]
    public required string Name { get; init; }

    [Port("llama or gpt2.")]
    public required string Architecture { get; init; }

    [Port("Parameters in the checkpoint (tied embeddings counted once).")]
    public required long Parameters { get; init; }

    [Port("Bytes of every file in the model folder.")]
    public required long SizeBytes { get; init; }

    [Port("The longest sequence (prompt and output) the model takes, in tokens.")]
    public required int ContextWindow { get; init; }

    [Port("The licence: README front matter `license:`, config.json `license`, or recognised from a LICENSE file; else unknown.")]
    public required string License { get; init; }

    [Port("The file the licence was read from; null when unknown.")]
    public string? LicenseSource { get; init; }

    [Port("Seconds to read the weights and tokenizer.")]
    public required double LoadSeconds { get; init; }

    [Port("Time to the first new token of a prompt (prompt processing included), in milliseconds; the median over the timed prompts.")]
    public required double FirstTokenMs { get; init; }

    [Port("Time per new token after the first, in milliseconds; the median over the timed prompts.")]
    public required double PerTokenMs { get; init; }

    [Port("New tokens per second of a whole generation (first token included), one prompt at a time; the median over the timed prompts.")]
    public required double TokensPerSecond { get; init; }

    [Port("The task metrics on the dataset sample, as eval.metrics names and computes them (ROUGE F1 0-1, BLEU and chrF 0-100, perplexity, ...); empty without a dataset.")]
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    [Port("price_per_hour / 3600 / tokens_per_second × 1000; null without price_per_hour.", Name = "cost_per_1k_tokens")]
    public double? CostPer1kTokens { get; init; }

    [Port("Whether the candidate meets every bound of rule.require.")]
    public bool MeetsRequirements { get; init; } = true;

    [Port("The bounds it misses, e.g. \"cost_per_1k_tokens = 0.02, needs <= 0.01\".")]
    public IReadOnlyList<string> FailedRequirements { get; init; } = [];

    [Port("Whether this is the chosen candidate.")]
    public bool Selected { get; init; }
}
