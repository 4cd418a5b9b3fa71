namespace Pipelines.Artifacts;

/// <summary>An artifact with the step that produced it and every step that consumed it (ordered by run, then step).</summary>
public sealed record ArtifactLineage(
    ArtifactReference Reference,
    string Kind,
    long Size,
    bool IsDirectory,
    DateTimeOffset CreatedAt,
    RunStep? Producer,
    IReadOnlyList<RunStep> Consumers);
