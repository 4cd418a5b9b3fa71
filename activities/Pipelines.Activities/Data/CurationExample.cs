namespace Pipelines.Activities.Data;

/// <summary>
/// A record that passed the filters, redacted: its prompt and completion (a text record: its text as the prompt, and
/// no completion), where it came from, the key of its normalised text (equal keys are exact duplicates) and its MinHash
/// signature (null when near duplicates are off).
/// </summary>
internal sealed record CurationExample(string Source, int Record, string Prompt, string? Completion, UInt128 Key, uint[]? Signature)
{
    /// <summary>Words in the text the prompt's fields brought in (the template's own words not counted).</summary>
    public int ContentWords { get; init; }

    /// <summary>The record's id in the dataset: 16 hex digits of its key.</summary>
    public string Id => ((ulong)Key).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A record that was dropped by a quality rule, with what was measured and the start of its text (redacted).</summary>
internal sealed record FilteredRecord(string Rule, string Source, int Record, string Measured, string Snippet);

/// <summary>A record that could not be read: why, and the start of the raw input (redacted).</summary>
internal sealed record QuarantinedRecord(string Source, int Record, string Reason, string? Excerpt);
