using Pipelines.Artifacts;

namespace Pipelines.Runtime.Stores;

/// <summary>
/// The database side of the artifact store: one record per artifact (kind, size, when first stored) and its lineage,
/// which step produced it and which steps consumed it. The content itself stays in files under the data directory
/// (<see cref="ArtifactStore"/>), a folder every host sharing the index must see.
/// </summary>
public interface IArtifactIndex
{
    /// <summary>Records a stored artifact. The same content stored again keeps its first record (kind and time of the first time).</summary>
    Task AddAsync(ArtifactReference reference, string kind, long size, bool isDirectory, CancellationToken ct);

    /// <summary>The record of an artifact, or null when the index has none.</summary>
    Task<ArtifactMetadata?> GetAsync(ArtifactReference reference, CancellationToken ct);

    /// <summary>The artifact's record with its producer and consumers (ordered by run, then step), or null when the index has no record of it.</summary>
    Task<ArtifactLineage?> GetLineageAsync(ArtifactReference reference, CancellationToken ct);

    /// <summary>Records that a step produced the artifact, unless a producer is already recorded (the first one stays).</summary>
    /// <exception cref="ArtifactNotFoundException">The index has no record of the artifact.</exception>
    Task RecordProducerAsync(ArtifactReference reference, string runId, string stepId, CancellationToken ct);

    /// <summary>Records that a step consumed the artifact; recording the same step again changes nothing.</summary>
    /// <exception cref="ArtifactNotFoundException">The index has no record of the artifact.</exception>
    Task RecordConsumerAsync(ArtifactReference reference, string runId, string stepId, CancellationToken ct);
}
