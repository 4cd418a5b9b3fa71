using System.Data;
using System.Data.Common;
using Npgsql;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// The run store on PostgreSQL, for several hosts sharing one queue of runs. Runs are rows of <c>runs</c> and each step
/// execution a row of <c>steps</c> (keyed by run and step, <c>seq</c> the order its run's journal first stored it in),
/// statuses spelled as their lower-case names as on SQLite. Ownership is per run, as the contract has it: a host takes
/// a whole run over (<see cref="TryOwnAsync"/>, a compare-and-swap in one <c>UPDATE</c>) and its
/// <see cref="PostgresRunJournal"/> writes the run's rows, fenced by that ownership under the run row's lock.
/// </summary>
/// <remarks>
/// Every write that touches a run's steps locks the run row first (the journal's fence, <see cref="ResumeBookmarkAsync"/>,
/// <see cref="ReopenAsync"/>), so writers of one run queue on one lock and never deadlock on its step rows.
/// </remarks>
/// <param name="owner">The runtime whose runs this store's journals write (<c>RuntimeOptions.Owner</c>); null for a store only read.</param>
public sealed class PostgresRunStore(NpgsqlDataSource dataSource, string? owner = null) : IRunStore
{
    private const string RunColumns = """
        id, pipeline, version, status, params, trigger_name, no_cache, timeout_ms, created_at, started_at, finished_at,
        error, cancel_requested, owner, lease_expires_at
        """;

    private const string StepColumns = """
        step_id, parent_id, matrix, status, attempts, failures, cached, started_at, finished_at, next_attempt_at,
        lease_owner, inputs, outputs, error, cache_key, bookmark, resume
        """;

    private readonly Lock _lock = new();
    private readonly HashSet<Task> _writing = [];
    private readonly List<PostgresRunJournal> _scheduled = [];
    private bool _writerRunning;
    private bool _disposed;

    public async Task<RunRow?> GetRunAsync(string id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync($"SELECT {RunColumns} FROM runs WHERE id = $1", ReadRun, ct, id)).SingleOrDefault();
    }

    /// <summary>Runs, newest first (ties by id, descending), optionally of one pipeline and/or in one status.</summary>
    public async Task<IReadOnlyList<RunRow>> ListRunsAsync(string? pipeline, string? status, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // LIMIT NULL is no limit: what SQLite makes of a negative one.
        return await connection.QueryAsync($"""
            SELECT {RunColumns} FROM runs
            WHERE ($1::text IS NULL OR pipeline = $1) AND ($2::text IS NULL OR status = $2)
            ORDER BY created_at DESC, id DESC LIMIT $3::integer
            """, ReadRun, ct, pipeline, status, limit < 0 ? null : limit);
    }

    /// <summary>A run's step executions (matrix children included), in the order they were first stored.</summary>
    public async Task<IReadOnlyList<StepRow>> GetStepsAsync(string runId, CancellationToken ct) =>
        [.. (await ReadStepsAsync(runId, ct)).Select(s => s.Row)];

    /// <summary>A run's step executions with their <c>seq</c>, in the order they were first stored.</summary>
    private async Task<List<(StepRow Row, long Seq)>> ReadStepsAsync(string runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"SELECT {StepColumns}, seq FROM steps WHERE run_id = $1 ORDER BY seq",
            reader => (ReadStep(runId, reader), reader.GetInt64(17)), ct, runId);
    }

    /// <summary>
    /// The run's log lines in time order; with <paramref name="stepId"/>, that step's and its matrix children's
    /// (<c>step[0]</c>, ...) only, matched exactly (no pattern: an id's <c>_</c> matches only itself).
    /// </summary>
    public async Task<IReadOnlyList<LogRow>> GetLogsAsync(string runId, string? stepId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QueryAsync("""
            SELECT run_id, step_id, seq, at, line FROM step_logs
            WHERE run_id = $1 AND ($2::text IS NULL OR step_id = $2 OR starts_with(step_id, $2 || '['))
            ORDER BY at, step_id, seq
            """, r => new LogRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4)), ct, runId, stepId);
    }

    public async Task<string?> GetCachedOutputsAsync(string cacheKey, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (string?)await connection.ScalarAsync("SELECT outputs FROM step_cache WHERE cache_key = $1", ct, cacheKey);
    }

    /// <summary>Stores a new run durably, through the same fenced write as a journal's hand-over.</summary>
    public Task CreateAsync(RunRow run, CancellationToken ct)
    {
        var changes = new RunChanges { Run = run }; // steps get their rows at their first transition; until then they are pending by definition
        return new PostgresRunJournal(run.Id, Owner, this, []).CommitAsync(changes).WaitAsync(ct);
    }

    public IRunJournal NewJournal(string runId, int steps) => new PostgresRunJournal(runId, Owner, this, []);

    public async Task<IRunJournal> OpenJournalAsync(string runId, CancellationToken ct) =>
        new PostgresRunJournal(runId, Owner, this, await ReadStepsAsync(runId, ct));

    private string Owner => owner ?? throw new InvalidOperationException("a run store opened without an owner only reads");

    /// <summary>
    /// Resumes a step of a run that no process is executing (the run is waiting): the step becomes ready with the
    /// payload, the run runnable again. False when that step does not wait on that bookmark.
    /// </summary>
    public async Task<bool> ResumeBookmarkAsync(string runId, string stepId, string bookmark, string? payload, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await LockRunAsync(connection, runId, ct);
        var resumed = await connection.ExecuteAsync("""
            UPDATE steps SET status = 'ready', bookmark = NULL, resume = $4
            WHERE run_id = $1 AND step_id = $2 AND status = 'waiting' AND bookmark = $3
            """, ct, runId, stepId, bookmark, payload) > 0;
        if (!resumed) return false;

        await connection.ExecuteAsync("UPDATE runs SET status = 'running' WHERE id = $1 AND status = 'waiting'", ct, runId);
        await transaction.CommitAsync(ct);
        return true;
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
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var reopened = await connection.ExecuteAsync("""
            UPDATE runs SET status = 'pending', error = NULL, finished_at = NULL, cancel_requested = false, owner = NULL,
                            lease_expires_at = NULL, crash_takeovers = 0, crash_progress = NULL
            WHERE id = $1 AND status IN ('failed', 'cancelled')
            """, ct, runId) > 0;
        if (!reopened) return false;

        await connection.ExecuteAsync("""
            UPDATE steps s SET
                status = CASE WHEN s.parent_id IS NOT NULL THEN 'ready'
                              WHEN EXISTS (SELECT 1 FROM steps c WHERE c.run_id = s.run_id AND c.parent_id = s.step_id) THEN 'running'
                              ELSE 'pending' END,
                failures = 0, cached = false, finished_at = NULL, next_attempt_at = NULL, lease_owner = NULL, outputs = NULL,
                error = NULL, bookmark = NULL, resume = NULL
            WHERE s.run_id = $1 AND s.status IN ('failed', 'cancelled', 'skipped')
            """, ct, runId);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Marks a run for cancellation; whichever process runs it notices within a heartbeat.</summary>
    public async Task<bool> RequestCancelAsync(string runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("UPDATE runs SET cancel_requested = true WHERE id = $1", ct, runId) > 0;
    }

    /// <summary>
    /// Makes <paramref name="owner"/> the run's coordinator, as a compare-and-swap on the owner that was
    /// <paramref name="read"/>: it succeeds when the run has no owner, is already this owner's, or its lease has
    /// expired — or when the owner read is <paramref name="readOwnerIsDead">known to be dead</paramref> and still holds
    /// it. Two hosts that read the same dead owner cannot both take the run over: the second's <c>UPDATE</c> waits for
    /// the first's row lock, then finds the first's name and lease.
    /// </summary>
    public async Task<bool> TryOwnAsync(RunRow read, string owner, long now, long leaseExpiresAt, bool readOwnerIsDead, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("""
            UPDATE runs SET owner = $1, lease_expires_at = $2
            WHERE id = $3 AND status IN ('pending', 'running', 'waiting')
              AND (owner IS NULL OR owner = $1 OR lease_expires_at IS NULL OR lease_expires_at < $4 OR owner = $5::text)
            """, ct, owner, leaseExpiresAt, read.Id, now, readOwnerIsDead ? read.Owner : null) > 0;
    }

    /// <summary>
    /// Counts a take-over from an owner that died: the run has now been taken over that many times in a row with
    /// <paramref name="progress"/> (its finished step executions) unchanged, 1 when something finished since the last.
    /// </summary>
    public async Task<int> CountCrashTakeOverAsync(string runId, int progress, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return Convert.ToInt32(await connection.ScalarAsync("""
            UPDATE runs SET crash_takeovers = CASE WHEN crash_progress = $1 THEN crash_takeovers + 1 ELSE 1 END,
                            crash_progress = $1
            WHERE id = $2 RETURNING crash_takeovers
            """, ct, progress, runId), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Extends the leases of every run this owner holds (a run's lease covers its steps); returns the runs asked to
    /// cancel, and those of <paramref name="executing"/> that another owner has taken over since (this one's lease
    /// expired while it was paused): both are for the caller to stop.
    /// </summary>
    public async Task<(IReadOnlyList<string> Cancelled, IReadOnlyList<string> Lost)> RenewAsync(string owner, long leaseExpiresAt,
        IReadOnlyCollection<string> executing, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // The rows are locked in id order, as the writer locks the runs of its transaction, so the two never deadlock.
        await connection.ExecuteAsync("""
            UPDATE runs SET lease_expires_at = $1
            WHERE id IN (SELECT id FROM runs WHERE owner = $2 AND status IN ('pending', 'running') ORDER BY id FOR UPDATE)
            """, ct, leaseExpiresAt, owner);
        var found = await connection.QueryAsync("""
            SELECT id, owner = $1 FROM runs
            WHERE (owner = $1 AND cancel_requested AND status IN ('pending', 'running'))
               OR (id = ANY ($2::text[]) AND owner IS NOT NULL AND owner <> $1)
            ORDER BY id
            """, r => (Id: r.GetString(0), Ours: r.GetBoolean(1)), ct, owner, executing.ToArray());
        return ([.. found.Where(f => f.Ours).Select(f => f.Id)], [.. found.Where(f => !f.Ours).Select(f => f.Id)]);
    }

    /// <summary>Takes the run row's lock for the rest of the transaction: every writer of a run's steps takes it first.</summary>
    private static Task<object?> LockRunAsync(DbConnection connection, string runId, CancellationToken ct) =>
        connection.ScalarAsync("SELECT 1 FROM runs WHERE id = $1 FOR UPDATE", ct, runId);

    /// <summary>
    /// Has the writer take <paramref name="journal"/>'s queued hand-overs into its next transaction, starting the
    /// writer when it is idle; false (nothing scheduled) once the store is disposed.
    /// </summary>
    internal bool Schedule(PostgresRunJournal journal)
    {
        lock (_lock)
        {
            if (_disposed) return false;
            _scheduled.Add(journal);
            if (_writerRunning) return true;
            _writerRunning = true;
            var task = Task.Run(WriteScheduledAsync);
            _writing.Add(task);
            task.ContinueWith(done => { lock (_lock) _writing.Remove(done); }, TaskScheduler.Default);
            return true;
        }
    }

    /// <summary>
    /// The writer: one transaction at a time, each with everything the journals queued while the last was in flight,
    /// until nothing is queued. Never throws: failures go to the hand-overs.
    /// </summary>
    private async Task WriteScheduledAsync()
    {
        while (true)
        {
            List<PostgresRunJournal> journals;
            lock (_lock)
            {
                if (_scheduled.Count == 0)
                {
                    _writerRunning = false;
                    return;
                }

                journals = [.. _scheduled];
                _scheduled.Clear();
            }

            var groups = new List<(PostgresRunJournal Journal, List<PostgresRunJournal.HandOver> HandOvers, PostgresRunRows Rows)>();
            foreach (var journal in journals)
            {
                if (journal.Take() is { } taken) groups.Add((journal, taken.HandOvers, taken.Rows));
            }

            if (groups.Count == 0) continue;
            try
            {
                var refused = await WriteAsync(groups).ConfigureAwait(false);
                foreach (var (journal, handOvers, _) in groups)
                {
                    if (refused.Contains(journal.RunId)) journal.Failed(handOvers, new RunTakenOverException(journal.RunId));
                    else PostgresRunJournal.Written(handOvers);
                }
            }
            catch (Exception e)
            {
                foreach (var (journal, handOvers, _) in groups) journal.Failed(handOvers, e);
            }
        }
    }

    /// <summary>
    /// One transaction: the fence of every run under its row's lock, then the rows of the runs that pass in one batch.
    /// Returns the runs refused: another owner holds them, or they have ended.
    /// </summary>
    private async Task<HashSet<string>> WriteAsync(List<(PostgresRunJournal Journal, List<PostgresRunJournal.HandOver> HandOvers, PostgresRunRows Rows)> groups)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted).ConfigureAwait(false);
        var ids = groups.Select(g => g.Journal.RunId).Distinct(StringComparer.Ordinal).ToArray();
        var stored = (await connection.QueryAsync("SELECT id, owner, status FROM runs WHERE id = ANY ($1::text[]) ORDER BY id FOR UPDATE",
            r => (Id: r.GetString(0), Owner: Text(r, 1), Status: r.GetString(2)), CancellationToken.None, (object)ids).ConfigureAwait(false))
            .ToDictionary(r => r.Id, StringComparer.Ordinal);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (journal, _, _) in groups)
        {
            if (!stored.TryGetValue(journal.RunId, out var row)) continue; // not stored yet: this is its first write
            if (row.Owner is { } holder && holder != journal.Owner || row.Status is "succeeded" or "failed" or "cancelled") refused.Add(journal.RunId);
        }

        var written = groups.Where(g => !refused.Contains(g.Journal.RunId)).Select(g => (g.Journal.RunId, g.Rows)).ToList();
        if (written.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            PostgresRunRows.AddTo(batch, written);
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
        return refused;
    }

    /// <summary>Refuses new hand-overs and waits until every one handed over before is written (or has failed).</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] writing;
        lock (_lock)
        {
            _disposed = true; // no loop starts after this, so the ones running now are all there is to wait for
            writing = [.. _writing];
        }

        await Task.WhenAll(writing).ConfigureAwait(false);
    }

    private static RunRow ReadRun(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetBoolean(6), Long(r, 7),
        r.GetInt64(8), Long(r, 9), Long(r, 10), Text(r, 11), r.GetBoolean(12), Text(r, 13), Long(r, 14));

    private static StepRow ReadStep(string runId, DbDataReader r) => new(
        runId, r.GetString(0), Text(r, 1), Text(r, 2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), r.GetBoolean(6), Long(r, 7),
        Long(r, 8), Long(r, 9), Text(r, 10), Text(r, 11), Text(r, 12), Text(r, 13), Text(r, 14), Text(r, 15), Text(r, 16));

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}
