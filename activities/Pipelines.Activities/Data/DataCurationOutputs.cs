namespace Pipelines.Activities.Data;

public sealed record CurationStats
{
    [Port("Records read: parsed plus quarantined.")]
    public required int InputRecords { get; init; }

    [Port("Records parsed into a prompt and a completion.")]
    public required int Parsed { get; init; }

    [Port("Records that could not be read, kept in the quarantine artifact with the reason.")]
    public required int Quarantined { get; init; }

    [Port("Records dropped because an earlier record had the same normalised text.")]
    public required int ExactDuplicates { get; init; }

    [Port("Records in a near-duplicate group after its first (dropped with action `remove`, kept together with `keep`).")]
    public required int NearDuplicates { get; init; }

    [Port("Records dropped by a quality filter, per rule.")]
    public required IReadOnlyDictionary<string, int> Filtered { get; init; }

    [Port("Placeholders written, per PII kind.")]
    public required IReadOnlyDictionary<string, int> Redacted { get; init; }

    [Port("Records in the train split.")]
    public required int Train { get; init; }

    [Port("Records in the validation split.")]
    public required int Validation { get; init; }

    [Port("Records in the test split.")]
    public required int Test { get; init; }
}

public sealed record DataCurationOutputs
{
    [Port("The train split: JSONL of {prompt, completion, id, source, record}, or of {text, id, source, record} with text_template.")]
    public required string Train { get; init; }

    [Port("The validation split, as `train`.")]
    public required string Validation { get; init; }

    [Port("The test split, as `train`.")]
    public required string Test { get; init; }

    [Port("Records that failed to parse: JSONL of {source, record, reason, excerpt}.")]
    public required string Quarantine { get; init; }

    [Port("The dataset card (Markdown with inline SVG charts): counts after every stage, drops per rule with examples, redactions, length histograms.")]
    public required string Card { get; init; }

    [Port("Counts of every stage.")]
    public required CurationStats Stats { get; init; }
}
