namespace Pipelines.Artifacts;

/// <summary>
/// What the store records about an artifact. <see cref="Kind"/> is the kind it was first stored with (the same
/// content stored again under another kind keeps the first); <see cref="Size"/> is its bytes, all files together for
/// a directory. <see cref="Producer"/> is the first step that reported producing it.
/// </summary>
public sealed record ArtifactMetadata(
    ArtifactReference Reference,
    string Kind,
    long Size,
    bool IsDirectory,
    DateTimeOffset CreatedAt,
    RunStep? Producer);
