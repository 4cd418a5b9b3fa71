using Microsoft.Data.Sqlite;

namespace Pipelines.Persistence;

/// <summary>
/// Reads of run state, and the few writes that must happen outside a running coordinator: taking ownership of a
/// run, renewing leases, and asking for cancellation (which may come from another process).
/// </summary>
public sealed class RunStore(SqliteDatabase database)
{
    private const string RunColumns = """
        id, pipeline, version, status, params, trigger_name, no_cache, timeout_ms, created_at, started_at, finished_at,
        error, cancel_requested, owner, lease_expires_at
        """;

    private const string StepColumns = """
        run_id, step_id, parent_id, matrix, status, attempts, failures, cached, started_at, finished_at, next_attempt_at,
        lease_owner, lease_expires_at, inputs, outputs, error, cache_key, bookmark, resume
        """;

    public SqliteDatabase Database => database;

    public async Task<RunRow?> GetRunAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command($"SELECT {RunColumns} FROM runs WHERE id = $id", ("$id", id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadRun(reader) : null;
    }

    /// <summary>Runs, newest first, optionally of one pipeline and/or in one status.</summary>
    public async Task<IReadOnlyList<RunRow>> ListRunsAsync(string? pipeline, string? status, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command($"""
            SELECT {RunColumns} FROM runs
            WHERE ($pipeline IS NULL OR pipeline = $pipeline) AND ($status IS NULL OR status = $status)
            ORDER BY created_at DESC, id DESC LIMIT $limit
            """, ("$pipeline", pipeline), ("$status", status), ("$limit", limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var runs = new List<RunRow>();
        while (await reader.ReadAsync(ct)) runs.Add(ReadRun(reader));
        return runs;
    }

    /// <summary>A run's step executions (matrix children included), in no particular order.</summary>
    public async Task<IReadOnlyList<StepRow>> GetStepsAsync(string runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command($"SELECT {StepColumns} FROM steps WHERE run_id = $run", ("$run", runId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var steps = new List<StepRow>();
        while (await reader.ReadAsync(ct))
        {
            steps.Add(new StepRow(reader.GetString(0), reader.GetString(1), Text(reader, 2), Text(reader, 3), reader.GetString(4),
                reader.GetInt32(5), reader.GetInt32(6), reader.GetInt64(7) != 0, Long(reader, 8), Long(reader, 9), Long(reader, 10),
                Text(reader, 11), Long(reader, 12), Text(reader, 13), Text(reader, 14), Text(reader, 15), Text(reader, 16),
                Text(reader, 17), Text(reader, 18)));
        }

        return steps;
    }

    public async Task<IReadOnlyList<LogRow>> GetLogsAsync(string runId, string? stepId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command("""
            SELECT run_id, step_id, seq, at, line FROM step_logs
            WHERE run_id = $run AND ($step IS NULL OR step_id = $step OR substr(step_id, 1, length($step) + 1) = $step || '[')
            ORDER BY at, step_id, seq
            """, ("$run", runId), ("$step", stepId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var logs = new List<LogRow>();
        while (await reader.ReadAsync(ct)) logs.Add(new LogRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
        return logs;
    }

    public async Task<string?> GetCachedOutputsAsync(string cacheKey, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return (string?)await connection.ScalarAsync("SELECT outputs FROM step_cache WHERE cache_key = $key", ct, ("$key", cacheKey));
    }

    /// <summary>
    /// Resumes a step of a run that no process is executing (the run is waiting): the step becomes ready with the
    /// payload, the run runnable again. False when that step does not wait on that bookmark.
    /// </summary>
    public async Task<bool> ResumeBookmarkAsync(string runId, string stepId, string bookmark, string? payload, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        var resumed = await connection.ExecuteAsync("""
            UPDATE steps SET status = 'ready', bookmark = NULL, resume = $payload
            WHERE run_id = $run AND step_id = $step AND status = 'waiting' AND bookmark = $bookmark
            """, ct, ("$payload", payload), ("$run", runId), ("$step", stepId), ("$bookmark", bookmark)) > 0;
        if (resumed)
        {
            await connection.ExecuteAsync("UPDATE runs SET status = 'running' WHERE id = $run AND status = 'waiting'", ct, ("$run", runId));
        }

        await transaction.CommitAsync(ct);
        return resumed;
    }

    /// <summary>Marks a run for cancellation; whichever process runs it notices within a second.</summary>
    public async Task<bool> RequestCancelAsync(string runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("UPDATE runs SET cancel_requested = 1 WHERE id = $id", ct, ("$id", runId)) > 0;
    }

    /// <summary>
    /// Makes <paramref name="owner"/> the run's coordinator if nobody else holds a live lease on it (or the holder is
    /// known to be dead). Returns false when another live process owns it.
    /// </summary>
    public async Task<bool> TryOwnAsync(string runId, string owner, long now, long leaseExpiresAt, bool takeOverFromDeadOwner, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("""
            UPDATE runs SET owner = $owner, lease_expires_at = $expires
            WHERE id = $id AND (owner IS NULL OR owner = $owner OR lease_expires_at IS NULL OR lease_expires_at < $now OR $force = 1)
            """, ct, ("$owner", owner), ("$expires", leaseExpiresAt), ("$id", runId), ("$now", now), ("$force", takeOverFromDeadOwner ? 1 : 0)) > 0;
    }

    /// <summary>Extends the leases of every run and running step this owner holds; returns the runs asked to cancel.</summary>
    public async Task<IReadOnlyList<string>> RenewAsync(string owner, long leaseExpiresAt, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct))
        {
            await connection.ExecuteAsync("UPDATE runs SET lease_expires_at = $expires WHERE owner = $owner AND status IN ('pending', 'running')", ct,
                ("$expires", leaseExpiresAt), ("$owner", owner));
            await connection.ExecuteAsync("UPDATE steps SET lease_expires_at = $expires WHERE lease_owner = $owner AND status = 'running'", ct,
                ("$expires", leaseExpiresAt), ("$owner", owner));
            await transaction.CommitAsync(ct);
        }

        await using var command = connection.Command("SELECT id FROM runs WHERE owner = $owner AND cancel_requested = 1 AND status IN ('pending', 'running')",
            ("$owner", owner));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var cancelled = new List<string>();
        while (await reader.ReadAsync(ct)) cancelled.Add(reader.GetString(0));
        return cancelled;
    }

    private static RunRow ReadRun(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt64(6) != 0, Long(r, 7),
        r.GetInt64(8), Long(r, 9), Long(r, 10), Text(r, 11), r.GetInt64(12) != 0, Text(r, 13), Long(r, 14));

    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}
