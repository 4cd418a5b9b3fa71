using System.Data;
using Npgsql;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// One run's write path on PostgreSQL. Hand-overs are written in order by a write loop of the journal's own, started
/// by a hand-over when none runs and ended when the queue is empty: whatever queued up while a transaction was in
/// flight goes into the next one (group commit), so a coordinator's burst of small hand-overs costs one transaction,
/// not one each, and the transaction's rows travel as one <see cref="NpgsqlBatch"/> of array-parameter statements.
/// </summary>
/// <remarks>
/// The fence, as SQLite's <see cref="StoreWriter"/> keeps it: each transaction first locks the run row and reads it as
/// stored before the transaction; when another owner holds the run, or it has ended, nothing is written and every
/// hand-over of that transaction fails with <see cref="RunTakenOverException"/> (a run with no row yet, or no owner,
/// may be written). Unlike SQLite's writer, a failed transaction also fails every later hand-over of the journal,
/// so the store never holds a later change of the run without an earlier one.
/// </remarks>
internal sealed class PostgresRunJournal : IRunJournal
{
    private readonly string _runId;
    private readonly string _owner;
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresRunStore _store;
    private readonly Dictionary<string, long> _seqs = new(StringComparer.Ordinal); // each step stored (or being stored) → its seq
    private long _nextSeq;
    private readonly Lock _lock = new();
    private List<HandOver> _queue = [];
    private bool _writing;
    private Exception? _failed;

    /// <param name="stored">The run's step executions as stored, in order, with their <c>seq</c>.</param>
    public PostgresRunJournal(string runId, string owner, NpgsqlDataSource dataSource, PostgresRunStore store, IReadOnlyList<(StepRow Row, long Seq)> stored)
    {
        _runId = runId;
        _owner = owner;
        _dataSource = dataSource;
        _store = store;
        Stored = [.. stored.Select(s => s.Row)];
        foreach (var (row, seq) in stored) _seqs[row.StepId] = seq;
        _nextSeq = stored.Count == 0 ? 0 : stored.Max(s => s.Seq) + 1;
    }

    public IReadOnlyList<StepRow> Stored { get; }

    public Task CommitAsync(RunChanges changes)
    {
        if (changes.IsEmpty) return Task.CompletedTask;
        if (_store.IsDisposed) return Task.FromException(Disposed());
        var handOver = new HandOver(changes);
        lock (_lock)
        {
            if (_failed is not null) return Task.FromException(Later(_failed));
            _queue.Add(handOver);
            if (_writing) return handOver.Done.Task;
            _writing = true;
        }

        if (!_store.TryStartWriting(WriteQueuedAsync))
        {
            var disposed = Disposed(); // disposed between the check above and now
            List<HandOver> refused;
            lock (_lock)
            {
                _failed ??= disposed;
                (refused, _queue, _writing) = (_queue, [], false);
            }

            foreach (var item in refused) item.Done.TrySetException(disposed);
        }

        return handOver.Done.Task;
    }

    /// <summary>Writes what is queued, a transaction at a time, until nothing is; never throws (failures go to the hand-overs).</summary>
    private async Task WriteQueuedAsync()
    {
        var group = new List<HandOver>();
        while (true)
        {
            Exception? failedBefore;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _writing = false;
                    return;
                }

                (group, _queue) = (_queue, group);
                failedBefore = _failed;
            }

            if (failedBefore is not null)
            {
                foreach (var item in group) item.Done.TrySetException(Later(failedBefore));
            }
            else
            {
                try
                {
                    await WriteAsync(group).ConfigureAwait(false);
                    foreach (var item in group) item.Done.TrySetResult();
                }
                catch (Exception e)
                {
                    lock (_lock) _failed = e;
                    foreach (var item in group) item.Done.TrySetException(e);
                }
            }

            group.Clear();
        }
    }

    private ObjectDisposedException Disposed() =>
        new(nameof(PostgresRunStore), $"the run store was disposed; nothing more of run {_runId} is written");

    /// <summary>What a hand-over after a failed one fails with: the same refusal for a take-over, else the first failure inside.</summary>
    private Exception Later(Exception first) => first is RunTakenOverException
        ? new RunTakenOverException(_runId)
        : new InvalidOperationException($"run {_runId}: an earlier hand-over failed, so this one was not written ({first.Message})", first);

    /// <summary>One transaction: the fence under the run row's lock, then every row of <paramref name="group"/> in one batch.</summary>
    private async Task WriteAsync(List<HandOver> group)
    {
        var rows = Merge(group);
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted).ConfigureAwait(false);
        var ours = await connection.ScalarAsync("""
            SELECT (owner IS NULL OR owner = $2) AND status NOT IN ('succeeded', 'failed', 'cancelled') FROM runs WHERE id = $1 FOR UPDATE
            """, CancellationToken.None, _runId, _owner).ConfigureAwait(false);
        if (ours is false) throw new RunTakenOverException(_runId);

        await using var batch = new NpgsqlBatch(connection, transaction);
        rows.AddTo(batch, _runId);
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The rows of <paramref name="group"/>, each written once: a run row or step changed by several hand-overs as the
    /// last left it (a step keeps the place it was first handed over in), a cache key's last entry, an artifact's first
    /// producer. Shared rows (cache, lineage) are sorted, so concurrent journals lock them in one order.
    /// </summary>
    private PostgresRunRows Merge(List<HandOver> group)
    {
        RunRow? run = null;
        var steps = new List<(StepRow Row, long Seq)>();
        var places = new Dictionary<string, int>(StringComparer.Ordinal);
        var logs = new List<LogRow>();
        var cache = new Dictionary<string, CacheRow>(StringComparer.Ordinal);
        var producers = new Dictionary<string, LineageRow>(StringComparer.Ordinal);
        var consumers = new HashSet<LineageRow>();
        foreach (var item in group)
        {
            run = item.Run ?? run;
            foreach (var step in item.Steps)
            {
                if (places.TryGetValue(step.StepId, out var place))
                {
                    steps[place] = (step, steps[place].Seq);
                    continue;
                }

                if (!_seqs.TryGetValue(step.StepId, out var seq)) _seqs[step.StepId] = seq = _nextSeq++;
                places[step.StepId] = steps.Count;
                steps.Add((step, seq));
            }

            logs.AddRange(item.Logs);
            foreach (var entry in item.Cache) cache[entry.CacheKey] = entry;
            foreach (var lineage in item.Lineage)
            {
                if (!lineage.Produced) consumers.Add(lineage);
                else producers.TryAdd(lineage.Digest, lineage);
            }
        }

        return new PostgresRunRows(run, steps, logs,
            [.. cache.Values.OrderBy(c => c.CacheKey, StringComparer.Ordinal)],
            [.. producers.Values.OrderBy(l => l.Digest, StringComparer.Ordinal)],
            [.. consumers.OrderBy(l => l.Digest, StringComparer.Ordinal).ThenBy(l => l.RunId, StringComparer.Ordinal).ThenBy(l => l.StepId, StringComparer.Ordinal)]);
    }

    /// <summary>A hand-over as it was when handed over (the caller may reuse its lists), and the task its commit completes.</summary>
    private sealed class HandOver(RunChanges changes)
    {
        public RunRow? Run { get; } = changes.Run;
        public StepRow[] Steps { get; } = [.. changes.StepsIfAny ?? []];
        public LogRow[] Logs { get; } = [.. changes.LogsIfAny ?? []];
        public CacheRow[] Cache { get; } = [.. changes.CacheIfAny ?? []];
        public LineageRow[] Lineage { get; } = [.. changes.LineageIfAny ?? []];
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
