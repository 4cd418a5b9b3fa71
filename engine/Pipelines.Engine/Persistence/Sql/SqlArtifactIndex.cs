using System.Data.Common;
using Pipelines.Artifacts;
using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sql;

/// <summary>The artifact index (tables <c>artifacts</c> and <c>artifact_consumers</c>) on SQLite or PostgreSQL.</summary>
public sealed class SqlArtifactIndex(StoreDialect database, TimeProvider? time = null) : IArtifactIndex
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task AddAsync(ArtifactReference reference, string kind, long size, bool isDirectory, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("""
            INSERT INTO artifacts (digest, kind, size, is_directory, created_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (digest) DO NOTHING
            """, ct, reference.Digest, kind, size, isDirectory, _time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public async Task<ArtifactMetadata?> GetAsync(ArtifactReference reference, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await ReadMetadataAsync(connection, reference, ct);
    }

    public async Task<ArtifactLineage?> GetLineageAsync(ArtifactReference reference, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        // One read transaction, so the record and its consumers come from the same moment.
        await using var transaction = await database.BeginReadAsync(connection, ct);
        if (await ReadMetadataAsync(connection, reference, ct) is not { } metadata) return null;
        var consumers = await connection.QueryAsync("SELECT run_id, step_id FROM artifact_consumers WHERE digest = $1 ORDER BY run_id, step_id",
            ArtifactRow.ReadConsumer, ct, reference.Digest);
        return ArtifactRow.Lineage(metadata, consumers);
    }

    public async Task RecordProducerAsync(ArtifactReference reference, string runId, string stepId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(stepId);
        await using var connection = await database.OpenConnectionAsync(ct);
        // The first producer wins: the same content made again later (by a rerun, or another pipeline) was not first made there.
        var updated = await connection.ExecuteAsync("UPDATE artifacts SET producer_run = $2, producer_step = $3 WHERE digest = $1 AND producer_run IS NULL",
            ct, reference.Digest, runId, stepId);
        if (updated == 0) await EnsureRecordedAsync(connection, reference, ct);
    }

    public async Task RecordConsumerAsync(ArtifactReference reference, string runId, string stepId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(stepId);
        await using var connection = await database.OpenConnectionAsync(ct);
        var inserted = await connection.ExecuteAsync("""
            INSERT INTO artifact_consumers (digest, run_id, step_id)
            SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM artifacts WHERE digest = $1)
            ON CONFLICT DO NOTHING
            """, ct, reference.Digest, runId, stepId);
        if (inserted == 0) await EnsureRecordedAsync(connection, reference, ct);
    }

    private static async Task<ArtifactMetadata?> ReadMetadataAsync(DbConnection connection, ArtifactReference reference, CancellationToken ct) =>
        (await connection.QueryAsync($"SELECT {ArtifactRow.Columns} FROM artifacts WHERE digest = $1", reader => ArtifactRow.Read(reference, reader), ct,
            reference.Digest)).SingleOrDefault();

    private static async Task EnsureRecordedAsync(DbConnection connection, ArtifactReference reference, CancellationToken ct)
    {
        if (await connection.ScalarAsync("SELECT 1 FROM artifacts WHERE digest = $1", ct, reference.Digest) is null) throw ArtifactRow.NotRecorded(reference);
    }
}
