using System.Data.Common;
using Pipelines.Artifacts;

namespace Pipelines.Persistence.Rows;

/// <summary>Artifact records as both stores keep them (<c>artifacts</c>, <c>artifact_consumers</c>), times in unix milliseconds.</summary>
internal static class ArtifactRow
{
    public const string Columns = "kind, size, is_directory, created_at, producer_run, producer_step";

    public static ArtifactMetadata Read(ArtifactReference reference, DbDataReader reader) => new(
        reference,
        Kind: reader.GetString(0),
        Size: reader.GetInt64(1),
        IsDirectory: reader.GetBoolean(2),
        CreatedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
        Producer: reader.IsDBNull(4) ? null : new RunStep(reader.GetString(4), reader.GetString(5)));

    public static RunStep ReadConsumer(DbDataReader reader) => new(reader.GetString(0), reader.GetString(1));

    public static ArtifactLineage Lineage(ArtifactMetadata metadata, IReadOnlyList<RunStep> consumers) =>
        new(metadata.Reference, metadata.Kind, metadata.Size, metadata.IsDirectory, metadata.CreatedAt, metadata.Producer, consumers);

    public static ArtifactNotFoundException NotRecorded(ArtifactReference reference) => new(reference,
        $"The store has no record of artifact {reference}; store the content before recording which steps produce or use it.");
}
