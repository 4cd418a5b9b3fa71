using Microsoft.Data.Sqlite;
using Pipelines.Persistence;

namespace Pipelines.Artifacts;

// The database side of the store: one row per artifact, and which steps produced and consumed it.
public sealed partial class ArtifactStore
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

    private const string MetadataColumns = "kind, size, is_directory, created_at, producer_run, producer_step";

    /// <summary>The record of an artifact, or null when the store has none.</summary>
    public async Task<ArtifactMetadata?> GetAsync(ArtifactReference reference, CancellationToken ct)
    {
        await using var connection = await _database.OpenConnectionAsync(ct);
        return await ReadMetadataAsync(connection, reference, ct);
    }

    /// <summary>The artifact's record with its producer and consumers, or null when the store has no record of it.</summary>
    public async Task<ArtifactLineage?> GetLineageAsync(ArtifactReference reference, CancellationToken ct)
    {
        await using var connection = await _database.OpenConnectionAsync(ct);
        // One read transaction, so the record and its consumers come from the same moment.
        await using var transaction = connection.BeginTransaction(deferred: true);
        if (await ReadMetadataAsync(connection, reference, ct) is not { } metadata)
            return null;

        await using var command = connection.Command(
            "SELECT run_id, step_id FROM artifact_consumers WHERE digest = $digest ORDER BY run_id, step_id",
            ("$digest", reference.Digest));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var consumers = new List<RunStep>();
        while (await reader.ReadAsync(ct))
            consumers.Add(new RunStep(reader.GetString(0), reader.GetString(1)));
        return new ArtifactLineage(metadata.Reference, metadata.Kind, metadata.Size, metadata.IsDirectory, metadata.CreatedAt,
            metadata.Producer, consumers);
    }

    /// <summary>Records that a step produced the artifact, unless a producer is already recorded (the first one stays).</summary>
    /// <exception cref="ArtifactNotFoundException">The store has no record of the artifact.</exception>
    public async Task RecordProducerAsync(ArtifactReference reference, string runId, string stepId, CancellationToken ct)
    {
        await using var connection = await _database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await RecordProducerAsync(connection, transaction, reference, runId, stepId, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Records that a step consumed the artifact; recording the same step again changes nothing.</summary>
    /// <exception cref="ArtifactNotFoundException">The store has no record of the artifact.</exception>
    public async Task RecordConsumerAsync(ArtifactReference reference, string runId, string stepId, CancellationToken ct)
    {
        await using var connection = await _database.OpenConnectionAsync(ct);
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

    // The same content stored again keeps its first row: kind and creation time describe the first time it was stored.
    private async Task InsertAsync(ArtifactReference reference, string kind, long size, bool isDirectory, CancellationToken ct)
    {
        await using var connection = await _database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("""
            INSERT OR IGNORE INTO artifacts (digest, kind, size, is_directory, created_at)
            VALUES ($digest, $kind, $size, $isDirectory, $createdAt)
            """, ct,
            ("$digest", reference.Digest),
            ("$kind", kind),
            ("$size", size),
            ("$isDirectory", isDirectory ? 1 : 0),
            ("$createdAt", _time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private static async Task<ArtifactMetadata?> ReadMetadataAsync(SqliteConnection connection, ArtifactReference reference, CancellationToken ct)
    {
        await using var command = connection.Command($"SELECT {MetadataColumns} FROM artifacts WHERE digest = $digest", ("$digest", reference.Digest));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return new ArtifactMetadata(
            reference,
            Kind: reader.GetString(0),
            Size: reader.GetInt64(1),
            IsDirectory: reader.GetInt64(2) != 0,
            CreatedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            Producer: reader.IsDBNull(4) ? null : new RunStep(reader.GetString(4), reader.GetString(5)));
    }

    private static async Task EnsureRecordedAsync(SqliteConnection connection, SqliteTransaction transaction, ArtifactReference reference, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT 1 FROM artifacts WHERE digest = $digest", ("$digest", reference.Digest));
        command.Transaction = transaction;
        if (await command.ExecuteScalarAsync(ct) is null)
        {
            throw new ArtifactNotFoundException(reference,
                $"The store has no record of artifact {reference}; store the content before recording which steps produce or use it.");
        }
    }

    private static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken ct,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, parameters);
        command.Transaction = transaction;
        return await command.ExecuteNonQueryAsync(ct);
    }
}
