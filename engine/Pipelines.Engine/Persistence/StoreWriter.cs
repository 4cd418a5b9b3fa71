using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Pipelines.Persistence;

/// <summary>
/// The one writer of run state. Callers hand it batches; it commits whatever has queued up in one transaction
/// (group commit), so many runs progressing at once share each fsync, and a caller's await returns only once its
/// batch is durable. Writes are fenced by ownership: rows of a run that another process has taken over since (its
/// owner is someone else, or it has ended) are not written, and the batches that carried them fail with
/// <see cref="RunTakenOverException"/>, so a process that lost its lease while paused can never overwrite the run. Statements are prepared once on the writer's own connection. SQLite's calls and the fsync block,
/// so the writer has a thread of its own rather than holding one of the thread pool's, which the runs' loops and
/// activities need.
/// </summary>
public sealed class StoreWriter : IAsyncDisposable
{
    private const int MaxBatchesPerCommit = 512;

    private readonly SqliteDatabase _database;
    private readonly string _owner;
    private readonly Dictionary<string, bool> _fenced = new(StringComparer.Ordinal); // run id → this commit may not write it
    private readonly Channel<(StoreBatch Batch, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(StoreBatch, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, RunRow> _runs = new(StringComparer.Ordinal); // the writer loop's own, reused per commit
    private readonly Dictionary<(string, int), StepChunkRow> _chunks = [];
    private SqliteConnection? _connection;
    private Statements? _statements;

    /// <param name="owner">The identity of the runtime whose runs this writer writes (<c>RuntimeOptions.Owner</c>).</param>
    public StoreWriter(SqliteDatabase database, string owner)
    {
        _database = database;
        _owner = owner;
        new Thread(Loop) { IsBackground = true, Name = "pipelines store writer" }.Start();
    }

    /// <summary>Commits <paramref name="batch"/> durably; throws if the transaction failed.</summary>
    public Task CommitAsync(StoreBatch batch)
    {
        if (batch.IsEmpty) return Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((batch, done)))
        {
            done.SetException(new ObjectDisposedException(nameof(StoreWriter)));
        }

        return done.Task;
    }

    private void Loop()
    {
        var pending = new List<(StoreBatch Batch, TaskCompletionSource Done)>();
        try
        {
            // Blocking on this thread of its own is the point: nothing else waits behind it.
            while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                pending.Clear();
                while (pending.Count < MaxBatchesPerCommit && _queue.Reader.TryRead(out var item)) pending.Add(item);
                try
                {
                    Write(pending);
                    foreach (var (batch, done) in pending)
                    {
                        if (FencedRunOf(batch) is { } lost) done.TrySetException(new RunTakenOverException(lost));
                        else done.TrySetResult();
                    }
                }
                catch (Exception e)
                {
                    // Reset the connection so one bad transaction does not poison the ones after it.
                    Reset();
                    foreach (var (_, done) in pending) done.TrySetException(e);
                }
            }
        }
        finally
        {
            Reset();
            _stopped.TrySetResult();
        }
    }

    private void Write(List<(StoreBatch Batch, TaskCompletionSource Done)> pending)
    {
        _connection ??= _database.OpenConnectionAsync(CancellationToken.None).GetAwaiter().GetResult();
        using var transaction = _connection.BeginTransaction();
        // Prepared on the writer's connection, so they run inside its open transaction.
        _statements ??= new Statements(_connection);
        // A row changed several times in the queued batches (claimed, then completed) is written once, as it ended.
        var runs = _runs;
        var chunks = _chunks;
        runs.Clear();
        chunks.Clear();
        foreach (var (batch, _) in pending)
        {
            foreach (var run in batch.RunsIfAny ?? []) runs[run.Id] = run;
            foreach (var chunk in batch.ChunksIfAny ?? []) chunks[(chunk.RunId, chunk.Chunk)] = chunk;
        }

        _fenced.Clear();
        foreach (var run in runs.Values)
        {
            if (!Fenced(run.Id)) _statements.Run(run);
        }

        foreach (var chunk in chunks.Values)
        {
            if (!Fenced(chunk.RunId)) _statements.Chunk(chunk);
        }

        foreach (var (batch, _) in pending)
        {
            foreach (var log in batch.LogsIfAny ?? []) if (!Fenced(log.RunId)) _statements.Log(log);
            foreach (var cache in batch.CacheIfAny ?? []) if (!Fenced(cache.RunId)) _statements.Cache(cache);
            foreach (var lineage in batch.LineageIfAny ?? []) if (!Fenced(lineage.RunId)) _statements.Lineage(lineage);
        }

        transaction.Commit();
    }

    /// <summary>
    /// Whether this commit must not write <paramref name="runId"/>: as stored before the commit, another runtime owns
    /// it or it has ended. Looked up once per run and commit, inside the transaction (a new run has no row yet).
    /// </summary>
    private bool Fenced(string runId)
    {
        if (_fenced.TryGetValue(runId, out var fenced)) return fenced;
        fenced = _statements!.Ours(runId, _owner) == 0;
        _fenced[runId] = fenced;
        return fenced;
    }

    private string? FencedRunOf(StoreBatch batch)
    {
        if (_fenced.Count == 0) return null;
        foreach (var run in batch.RunsIfAny ?? []) if (_fenced.GetValueOrDefault(run.Id)) return run.Id;
        foreach (var chunk in batch.ChunksIfAny ?? []) if (_fenced.GetValueOrDefault(chunk.RunId)) return chunk.RunId;
        return null;
    }

    private void Reset()
    {
        _statements?.Dispose();
        _statements = null;
        _connection?.Dispose();
        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopped.Task.ConfigureAwait(false);
    }

    /// <summary>The writer's prepared statements; parameters are rebound for every row.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly PreparedStatement _run;
        private readonly PreparedStatement _chunk;
        private readonly PreparedStatement _log;
        private readonly PreparedStatement _cache;
        private readonly PreparedStatement _consumer;
        private readonly PreparedStatement _producer;
        private readonly PreparedStatement _ours;

        public Statements(SqliteConnection connection)
        {
            _run = Prepare(connection, """
                INSERT INTO runs (id, pipeline, version, status, params, trigger_name, no_cache, timeout_ms, created_at,
                                  started_at, finished_at, error, cancel_requested, owner, lease_expires_at)
                VALUES ($id, $pipeline, $version, $status, $params, $trigger, $no_cache, $timeout_ms, $created_at,
                        $started_at, $finished_at, $error, $cancel_requested, $owner, $lease_expires_at)
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
                    finished_at = excluded.finished_at, error = excluded.error, owner = excluded.owner,
                    lease_expires_at = CASE WHEN excluded.owner IS NULL THEN NULL
                                            ELSE max(coalesce(runs.lease_expires_at, 0), excluded.lease_expires_at) END,
                    cancel_requested = max(runs.cancel_requested, excluded.cancel_requested)
                """, "$id", "$pipeline", "$version", "$status", "$params", "$trigger", "$no_cache", "$timeout_ms", "$created_at",
                "$started_at", "$finished_at", "$error", "$cancel_requested", "$owner", "$lease_expires_at");
            _chunk = Prepare(connection, """
                INSERT INTO step_chunks (run_id, chunk, steps) VALUES ($run_id, $chunk, $steps)
                ON CONFLICT (run_id, chunk) DO UPDATE SET steps = excluded.steps
                """, "$run_id", "$chunk", "$steps");
            _log = Prepare(connection, "INSERT OR IGNORE INTO step_logs (run_id, step_id, seq, at, line) VALUES ($run_id, $step_id, $seq, $at, $line)",
                "$run_id", "$step_id", "$seq", "$at", "$line");
            _cache = Prepare(connection, """
                INSERT OR REPLACE INTO step_cache (cache_key, outputs, run_id, step_id, created_at)
                VALUES ($cache_key, $outputs, $run_id, $step_id, $created_at)
                """, "$cache_key", "$outputs", "$run_id", "$step_id", "$created_at");
            // The artifact store owns the lineage SQL; the writer only runs it inside its own transaction.
            _consumer = Prepare(connection, Artifacts.ArtifactStore.RecordConsumerSql, "$digest", "$run_id", "$step_id");
            _producer = Prepare(connection, Artifacts.ArtifactStore.RecordProducerSql, "$digest", "$run_id", "$step_id");
            _ours = Prepare(connection, """
                SELECT (owner IS NULL OR owner = $owner) AND status NOT IN ('succeeded', 'failed', 'cancelled') FROM runs WHERE id = $id
                """, "$owner", "$id");
        }

        public void Dispose()
        {
            foreach (var statement in new[] { _run, _chunk, _log, _cache, _consumer, _producer, _ours }) statement.Dispose();
        }

        public void Run(RunRow r) => _run.Text(0, r.Id).Text(1, r.Pipeline).Integer(2, r.Version).Text(3, r.Status).Text(4, r.Params)
            .Text(5, r.Trigger).Integer(6, r.NoCache).Integer(7, r.TimeoutMs).Integer(8, r.CreatedAt).Integer(9, r.StartedAt)
            .Integer(10, r.FinishedAt).Text(11, r.Error).Integer(12, r.CancelRequested).Text(13, r.Owner).Integer(14, r.LeaseExpiresAt)
            .Execute();

        /// <summary>1 when <paramref name="owner"/> may write the run, 0 when it may not, null when the run has no row yet.</summary>
        public long? Ours(string runId, string owner) => _ours.Text(0, owner).Text(1, runId).QueryInteger();

        public void Chunk(StepChunkRow c) => _chunk.Text(0, c.RunId).Integer(1, c.Chunk).Utf8(2, c.Steps).Execute();

        public void Log(LogRow l) => _log.Text(0, l.RunId).Text(1, l.StepId).Integer(2, l.Seq).Integer(3, l.At).Text(4, l.Line).Execute();

        public void Cache(CacheRow c) => _cache.Text(0, c.CacheKey).Text(1, c.Outputs).Text(2, c.RunId).Text(3, c.StepId).Integer(4, c.CreatedAt).Execute();

        public void Lineage(LineageRow l) => (l.Produced ? _producer : _consumer).Text(0, l.Digest).Text(1, l.RunId).Text(2, l.StepId).Execute();

        private static PreparedStatement Prepare(SqliteConnection connection, string sql, params string[] names) => new(connection, sql, names);
    }
}
