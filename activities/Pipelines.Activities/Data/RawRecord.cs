namespace Pipelines.Activities.Data;

/// <summary>
/// One record as a reader found it: its number in the file (line number for JSONL and CSV, message number for mail)
/// and either its fields or why it could not be read, with an excerpt of the raw input.
/// </summary>
internal sealed record RawRecord(int Number, IReadOnlyDictionary<string, string>? Fields, string? Failure = null, string? Excerpt = null)
{
    public static RawRecord Failed(int number, string reason, string? excerpt) => new(number, null, reason, excerpt);
}
