using Microsoft.Data.Sqlite;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence;

/// <summary>
/// The run store on SQLite. Runs are rows of <c>runs</c>; a run's step executions are JSON chunks of
/// <c>step_chunks</c> (<see cref="StepChunks"/>), laid out by each run's <see cref="SqliteRunJournal"/>; statuses are
/// stored as their lower-case names. Everything the runtime writes while executing goes through one
/// <see cref="StoreWriter"/> (group commit, fenced by ownership), made at the first journal.
/// </summary>
/// <param name="owner">The runtime whose runs this store's journals write (<c>RuntimeOptions.Owner</c>); null for a store only read.</param>
public sealed class SqliteRunStore(SqliteDatabase database, string? owner = null) : IRunStore
{
    private readonly Lock _writerLock = new();
    private StoreWriter? _writer;

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

    public Task CreateAsync(RunRow run, CancellationToken ct)
    {
        var batch = new StoreBatch();
        batch.Runs.Add(run); // steps get their rows at their first transition; until then they are pending by definition
        return Writer.CommitAsync(batch);
    }

    public IRunJournal NewJournal(string runId, int steps) => new SqliteRunJournal(runId, Writer, [], steps);

    public async Task<IRunJournal> OpenJournalAsync(string runId, CancellationToken ct) =>
        new SqliteRunJournal(runId, Writer, await GetStepChunksAsync(runId, ct), 0);

    /// <summary>The one writer of this process's run state, made at first use (a store only read never starts one).</summary>
    internal StoreWriter Writer
    {
        get
        {
            lock (_writerLock)
            {
                return _writer ??= new StoreWriter(database, owner ?? throw new InvalidOperationException("a run store opened without an owner only reads"));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        StoreWriter? writer;
        lock (_writerLock) (writer, _writer) = (_writer, null);
        if (writer is not null) await writer.DisposeAsync();
    }

    /// <summary>A run's step executions by chunk (<see cref="StepChunks"/>): the list's index is the chunk's number.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<StepRow>>> GetStepChunksAsync(string runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await ReadChunksAsync(connection, runId, ct);
    }

    private static Task WriteChunkAsync(SqliteConnection connection, string runId, int number, IEnumerable<StepRow> steps, CancellationToken ct) =>
        connection.ExecuteAsync("UPDATE step_chunks SET steps = $steps WHERE run_id = $run AND chunk = $chunk", ct,
            ("$steps", System.Text.Encoding.UTF8.GetString(StepChunks.Encode(steps))), ("$run", runId), ("$chunk", number));

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

    /// <summary>
    /// The run's log lines in time order; with <paramref name="stepId"/>, that step's and its matrix children's
    /// (<c>step[0]</c>, ...) only, matched exactly (no pattern: an id's <c>_</c> matches only itself).
    /// </summary>
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
            await WriteChunkAsync(connection, runId, number, steps, ct);
            resumed = true;
        }

        if (resumed)
        {
            await connection.ExecuteAsync("UPDATE runs SET status = 'running' WHERE id = $run AND status = 'waiting'", ct, ("$run", runId));
        }

        await transaction.CommitAsync(ct);
        return resumed;
    }

    /// <summary>
    /// Reopens a failed or cancelled run so that executing it again continues it: the run becomes pending, with no
    /// owner, error, end or cancel request; every execution that failed, was cancelled or was skipped goes back to
    /// pending (a matrix combination to ready, a matrix step with combinations to running), its failures forgiven so
    /// its retry budget is whole again. Succeeded executions keep their outputs and never run again; a step skipped by
    /// its <c>when</c> is settled again and skipped again. False when the run is not failed or cancelled (any more).
    /// </summary>
    public async Task<bool> ReopenAsync(string runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        var reopened = await connection.ExecuteAsync("""
            UPDATE runs SET status = 'pending', error = NULL, finished_at = NULL, cancel_requested = 0, owner = NULL,
                            lease_expires_at = NULL, crash_takeovers = 0, crash_progress = NULL
            WHERE id = $run AND status IN ('failed', 'cancelled')
            """, ct, ("$run", runId)) > 0;
        if (!reopened) return false;

        var chunks = await ReadChunksAsync(connection, runId, ct);
        var parents = chunks.SelectMany(c => c).Select(s => s.ParentId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        for (var number = 0; number < chunks.Count; number++)
        {
            if (!chunks[number].Any(Unfinished)) continue;
            var steps = chunks[number].Select(s => Unfinished(s)
                ? s with
                {
                    Status = s.ParentId is not null ? "ready" : parents.Contains(s.StepId) ? "running" : "pending",
                    Failures = 0, Cached = false, FinishedAt = null, NextAttemptAt = null, LeaseOwner = null, Outputs = null,
                    Error = null, Bookmark = null, Resume = null,
                }
                : s);
            await WriteChunkAsync(connection, runId, number, steps, ct);
        }

        await transaction.CommitAsync(ct);
        return true;

        static bool Unfinished(StepRow step) => step.Status is "failed" or "cancelled" or "skipped";
    }

    /// <summary>Marks a run for cancellation; whichever process runs it notices within a second.</summary>
    public async Task<bool> RequestCancelAsync(string runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("UPDATE runs SET cancel_requested = 1 WHERE id = $id", ct, ("$id", runId)) > 0;
    }

    /// <summary>
    /// Makes <paramref name="owner"/> the run's coordinator, as a compare-and-swap on the owner that was
    /// <paramref name="read"/>: it succeeds when the run has no owner, is already this owner's, or its lease has
    /// expired — or when the owner read is <paramref name="readOwnerIsDead">known to be dead</paramref> and still holds
    /// it. Two processes that read the same dead owner cannot both take the run over: the second finds the first's name.
    /// </summary>
    public async Task<bool> TryOwnAsync(RunRow read, string owner, long now, long leaseExpiresAt, bool readOwnerIsDead, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("""
            UPDATE runs SET owner = $owner, lease_expires_at = $expires
            WHERE id = $id AND status IN ('pending', 'running', 'waiting')
              AND (owner IS NULL OR owner = $owner OR lease_expires_at IS NULL OR lease_expires_at < $now OR owner = $dead)
            """, ct, ("$owner", owner), ("$expires", leaseExpiresAt), ("$id", read.Id), ("$now", now),
            ("$dead", readOwnerIsDead ? read.Owner : null)) > 0;
    }

    /// <summary>
    /// Counts a take-over from an owner that died: the run has now been taken over that many times in a row with
    /// <paramref name="progress"/> (its finished step executions) unchanged, 1 when something finished since the last.
    /// </summary>
    public async Task<int> CountCrashTakeOverAsync(string runId, int progress, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command("""
            UPDATE runs SET crash_takeovers = CASE WHEN crash_progress = $progress THEN crash_takeovers + 1 ELSE 1 END,
                            crash_progress = $progress
            WHERE id = $id RETURNING crash_takeovers
            """, ("$progress", progress), ("$id", runId));
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Extends the leases of every run this owner holds (a run's lease covers its steps); returns the runs asked to
    /// cancel, and those of <paramref name="executing"/> that another owner has taken over since (this one's lease
    /// expired while it was paused): both are for the caller to stop.
    /// </summary>
    public async Task<(IReadOnlyList<string> Cancelled, IReadOnlyList<string> Lost)> RenewAsync(string owner, long leaseExpiresAt,
        IReadOnlyCollection<string> executing, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("UPDATE runs SET lease_expires_at = $expires WHERE owner = $owner AND status IN ('pending', 'running')", ct,
            ("$expires", leaseExpiresAt), ("$owner", owner));

        await using var command = connection.Command("""
            SELECT id, owner = $owner FROM runs
            WHERE (owner = $owner AND cancel_requested = 1 AND status IN ('pending', 'running'))
               OR (id IN (SELECT value FROM json_each($executing)) AND owner IS NOT NULL AND owner <> $owner)
            """, ("$owner", owner), ("$executing", System.Text.Json.JsonSerializer.Serialize(executing)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (cancelled, lost) = (new List<string>(), new List<string>());
        while (await reader.ReadAsync(ct)) (reader.GetBoolean(1) ? cancelled : lost).Add(reader.GetString(0));
        return (cancelled, lost);
    }

    private static RunRow ReadRun(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt64(6) != 0, Long(r, 7),
        r.GetInt64(8), Long(r, 9), Long(r, 10), Text(r, 11), r.GetInt64(12) != 0, Text(r, 13), Long(r, 14));

    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}
