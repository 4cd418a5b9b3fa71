using Microsoft.Data.Sqlite;
using Pipelines.Artifacts;
using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sqlite;

/// <summary>The artifact index in the embedded store (tables <c>artifacts</c> and <c>artifact_consumers</c> of migration 2).</summary>
public sealed class SqliteArtifactIndex(SqliteDatabase database, TimeProvider? time = null) : IArtifactIndex
{
    /// <summary>
    /// Sets the producer ($digest, $run_id, $step_id) unless one is set: the first producer wins, because the same
    /// content made again later (by a rerun, or another pipeline) was not first made there. Shared with writers that
    /// prepare it once for many rows.
    /// </summary>
    internal const string RecordProducerSql = """
        UPDATE artifacts SET producer_run = $run_id, producer_step = $step_id
        WHERE digest = $digest AND producer_run IS NULL
        """;

    /// <summary>Adds a consumer ($digest, $run_id, $step_id) of an artifact the store has a record of; once per step.</summary>
    internal const string RecordConsumerSql = """
        INSERT OR IGNORE INTO artifact_consumers (digest, run_id, step_id)
        SELECT $digest, $run_id, $step_id WHERE EXISTS (SELECT 1 FROM artifacts WHERE digest = $digest)
        """;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task AddAsync(ArtifactReference reference, string kind, long size, bool isDirectory, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("""
            INSERT OR IGNORE INTO artifacts (digest, kind, size, is_directory, created_at)
            VALUES ($digest, $kind, $size, $isDirectory, $createdAt)
            """, ct, ("$digest", reference.Digest), ("$kind", kind), ("$size", size), ("$isDirectory", isDirectory ? 1 : 0),
            ("$createdAt", _time.GetUtcNow().ToUnixTimeMilliseconds()));
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
        await using var transaction = connection.BeginTransaction(deferred: true);
        if (await ReadMetadataAsync(connection, reference, ct) is not { } metadata) return null;
        var consumers = await connection.QueryAsync("SELECT run_id, step_id FROM artifact_consumers WHERE digest = $digest ORDER BY run_id, step_id",
            ArtifactRow.ReadConsumer, ct, ("$digest", reference.Digest));
        return ArtifactRow.Lineage(metadata, consumers);
    }

    public async Task RecordProducerAsync(ArtifactReference reference, string runId, string stepId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await RecordProducerAsync(connection, transaction, reference, runId, stepId, ct);
        await transaction.CommitAsync(ct);
    }

    public async Task RecordConsumerAsync(ArtifactReference reference, string runId, string stepId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await RecordConsumerAsync(connection, transaction, reference, runId, stepId, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// <see cref="RecordProducerAsync(ArtifactReference, string, string, CancellationToken)"/> inside the caller's
    /// transaction, so the runtime records lineage in the same commit that completes the step.
    /// </summary>
    internal static async Task RecordProducerAsync(SqliteConnection connection, SqliteTransaction transaction,
        ArtifactReference reference, string runId, string stepId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(stepId);
        var updated = await ExecuteAsync(connection, transaction, RecordProducerSql, ct,
            ("$digest", reference.Digest), ("$run_id", runId), ("$step_id", stepId));
        if (updated == 0)
            await EnsureRecordedAsync(connection, transaction, reference, ct);
    }

    /// <summary>
    /// <see cref="RecordConsumerAsync(ArtifactReference, string, string, CancellationToken)"/> inside the caller's transaction.
    /// </summary>
    internal static async Task RecordConsumerAsync(SqliteConnection connection, SqliteTransaction transaction,
        ArtifactReference reference, string runId, string stepId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(stepId);
        var inserted = await ExecuteAsync(connection, transaction, RecordConsumerSql, ct,
            ("$digest", reference.Digest), ("$run_id", runId), ("$step_id", stepId));
        if (inserted == 0)
            await EnsureRecordedAsync(connection, transaction, reference, ct);
    }

    private static async Task<ArtifactMetadata?> ReadMetadataAsync(SqliteConnection connection, ArtifactReference reference, CancellationToken ct)
    {
        var found = await connection.QueryAsync($"SELECT {ArtifactRow.Columns} FROM artifacts WHERE digest = $digest",
            reader => ArtifactRow.Read(reference, reader), ct, ("$digest", reference.Digest));
        return found.SingleOrDefault();
    }

    private static async Task EnsureRecordedAsync(SqliteConnection connection, SqliteTransaction transaction, ArtifactReference reference, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT 1 FROM artifacts WHERE digest = $digest", ("$digest", reference.Digest));
        command.Transaction = transaction;
        if (await command.ExecuteScalarAsync(ct) is null) throw ArtifactRow.NotRecorded(reference);
    }

    private static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken ct,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, parameters);
        command.Transaction = transaction;
        return await command.ExecuteNonQueryAsync(ct);
    }
}
