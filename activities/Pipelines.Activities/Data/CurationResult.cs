namespace Pipelines.Activities.Data;

/// <summary>What curation found at every stage: the counts, a few examples of each kind of drop, and the splits.</summary>
internal sealed record CurationResult
{
    public required int Files { get; init; }

    public required long Bytes { get; init; }

    public required int InputRecords { get; init; }

    public required IReadOnlyList<QuarantinedRecord> Quarantined { get; init; }

    /// <summary>Records dropped per rule, every rule in force listed (with 0 when none).</summary>
    public required IReadOnlyDictionary<string, int> Filtered { get; init; }

    /// <summary>The first few drops of each rule.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<FilteredRecord>> FilteredExamples { get; init; }

    /// <summary>Placeholders written per kind, every kind asked for listed.</summary>
    public required IReadOnlyDictionary<string, int> Redacted { get; init; }

    /// <summary>Records that passed the filters (before deduplication).</summary>
    public required int Kept { get; init; }

    public required int ExactDuplicates { get; init; }

    /// <summary>The first few exact duplicates, each with the record it repeats.</summary>
    public required IReadOnlyList<(CurationExample Duplicate, CurationExample Original)> ExactExamples { get; init; }

    public required int NearDuplicates { get; init; }

    public required int NearGroups { get; init; }

    /// <summary>The largest few near-duplicate groups, first member first.</summary>
    public required IReadOnlyList<IReadOnlyList<CurationExample>> NearExamples { get; init; }

    /// <summary>Train, validation and test, in output order.</summary>
    public required IReadOnlyList<IReadOnlyList<CurationExample>> Splits { get; init; }

    public int Parsed => InputRecords - Quarantined.Count;
}
