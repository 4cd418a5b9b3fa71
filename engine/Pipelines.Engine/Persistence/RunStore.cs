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

    /// <summary>A run's step executions (matrix children included), in the order they were first stored.</summary>
    public async Task<IReadOnlyList<StepRow>> GetStepsAsync(string runId, CancellationToken ct) =>
        [.. (await GetStepChunksAsync(runId, ct)).SelectMany(chunk => chunk)];

    /// <summary>A run's step executions by chunk (<see cref="StepChunks"/>): the list's index is the chunk's number.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<StepRow>>> GetStepChunksAsync(string runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await ReadChunksAsync(connection, runId, ct);
    }

    private static async Task<List<IReadOnlyList<StepRow>>> ReadChunksAsync(SqliteConnection connection, string runId, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT chunk, steps FROM step_chunks WHERE run_id = $run ORDER BY chunk", ("$run", runId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var chunks = new List<IReadOnlyList<StepRow>>();
        while (await reader.ReadAsync(ct))
        {
            var number = reader.GetInt32(0);
            while (chunks.Count < number) chunks.Add([]); // never expected: chunks are stored in order
            chunks.Add(StepChunks.Decode(runId, reader.GetString(1)));
        }

        return chunks;
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
        var resumed = false;
        var chunks = await ReadChunksAsync(connection, runId, ct);
        for (var number = 0; number < chunks.Count && !resumed; number++)
        {
            var steps = chunks[number].ToList();
            var index = steps.FindIndex(s => s.StepId == stepId && s.Status == "waiting" && s.Bookmark == bookmark);
            if (index < 0) continue;
            steps[index] = steps[index] with { Status = "ready", Bookmark = null, Resume = payload };
            await connection.ExecuteAsync("UPDATE step_chunks SET steps = $steps WHERE run_id = $run AND chunk = $chunk", ct,
                ("$steps", System.Text.Encoding.UTF8.GetString(StepChunks.Encode(steps))), ("$run", runId), ("$chunk", number));
            resumed = true;
        }

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

    /// <summary>Extends the leases of every run this owner holds (a run's lease covers its steps); returns the runs asked to cancel.</summary>
    public async Task<IReadOnlyList<string>> RenewAsync(string owner, long leaseExpiresAt, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("UPDATE runs SET lease_expires_at = $expires WHERE owner = $owner AND status IN ('pending', 'running')", ct,
            ("$expires", leaseExpiresAt), ("$owner", owner));

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
