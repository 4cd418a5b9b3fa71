namespace Pipelines.Artifacts;

/// <summary>An artifact that was asked for is not in the store (no content on disk, or no record of it).</summary>
public sealed class ArtifactNotFoundException(ArtifactReference reference, string message) : Exception(message)
{
    public ArtifactReference Reference { get; } = reference;
}
