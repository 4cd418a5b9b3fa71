namespace Pipelines.Activities.Data;

/// <summary>How a source file is read.</summary>
internal enum SourceFormat
{
    /// <summary>One message per file.</summary>
    Mail,

    /// <summary>Many messages, separated by "From " lines.</summary>
    Mbox,
    Jsonl,
    Csv,

    /// <summary>Decided by the first byte: <c>{</c> is JSONL, anything else is mail.</summary>
    MailOrJsonl,
}

/// <summary>A file to read: where it is, the name provenance records (relative to the source, '/' separated) and how to read it.</summary>
internal sealed record SourceFile(string Path, string Name, SourceFormat Format)
{
    /// <summary>The folder a file sits in (its parent in <see cref="Name"/>, or the source folder's own name).</summary>
    public required string Folder { get; init; }
}
