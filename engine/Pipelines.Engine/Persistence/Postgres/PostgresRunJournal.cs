using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// One run's write path on PostgreSQL. Hand-overs queue in the journal, and the store's one writer
/// (<see cref="PostgresRunStore"/>) takes what every journal has queued into one transaction (group commit across
/// runs, as SQLite's <see cref="StoreWriter"/> does): a coordinator's burst of small hand-overs, or a thousand runs'
/// hand-overs at once, cost one transaction, not one each. A run's hand-overs are written in the order they came.
/// </summary>
/// <remarks>
/// The fence, as SQLite's writer keeps it: the transaction first locks the rows of its runs (in id order, as every
/// writer of several run rows does) and reads them as stored before it; a run another owner holds, or one that has
/// ended, has nothing written and every hand-over of its group fails with <see cref="RunTakenOverException"/> (a run
/// with no row yet, or no owner, may be written), while the other runs of the transaction are written. Unlike SQLite's
/// writer, a failed hand-over also fails every later hand-over of the journal, so the store never holds a later change
/// of a run without an earlier one.
/// </remarks>
internal sealed class PostgresRunJournal : IRunJournal
{
    private readonly string _runId;
    private readonly string _owner;
    private readonly PostgresRunStore _store;
    private readonly Dictionary<string, long> _seqs = new(StringComparer.Ordinal); // each step stored (or being stored) → its seq
    private long _nextSeq;
    private readonly Lock _lock = new();
    private List<HandOver> _queue = [];
    private bool _scheduled;
    private Exception? _failed;

    /// <param name="stored">The run's step executions as stored, in order, with their <c>seq</c>.</param>
    public PostgresRunJournal(string runId, string owner, PostgresRunStore store, IReadOnlyList<(StepRow Row, long Seq)> stored)
    {
        _runId = runId;
        _owner = owner;
        _store = store;
        Stored = [.. stored.Select(s => s.Row)];
        foreach (var (row, seq) in stored) _seqs[row.StepId] = seq;
        _nextSeq = stored.Count == 0 ? 0 : stored.Max(s => s.Seq) + 1;
    }

    public IReadOnlyList<StepRow> Stored { get; }

    public string RunId => _runId;

    public string Owner => _owner;

    public Task CommitAsync(RunChanges changes)
    {
        if (changes.IsEmpty) return Task.CompletedTask;
        var handOver = new HandOver(changes);
        lock (_lock)
        {
            if (_failed is not null) return Task.FromException(Later(_failed));
            _queue.Add(handOver);
            if (_scheduled) return handOver.Done.Task;
            _scheduled = true;
        }

        if (!_store.Schedule(this))
        {
            var disposed = new ObjectDisposedException(nameof(PostgresRunStore), $"the run store was disposed; nothing more of run {_runId} is written");
            List<HandOver> refused;
            lock (_lock)
            {
                _failed ??= disposed;
                (refused, _queue, _scheduled) = (_queue, [], false);
            }

            foreach (var item in refused) item.Done.TrySetException(disposed);
        }

        return handOver.Done.Task;
    }

    /// <summary>
    /// For the store's writer: the hand-overs queued since the last take, merged into the rows to write, or null when
    /// there are none (or the journal has failed, and they are failed too). The writer then calls
    /// <see cref="Written"/> or <see cref="Failed"/> with them.
    /// </summary>
    internal (List<HandOver> HandOvers, PostgresRunRows Rows)? Take()
    {
        List<HandOver> group;
        Exception? failedBefore;
        lock (_lock)
        {
            _scheduled = false;
            (group, _queue) = (_queue, []);
            failedBefore = _failed;
        }

        if (group.Count == 0) return null;
        if (failedBefore is null) return (group, Merge(group));
        foreach (var item in group) item.Done.TrySetException(Later(failedBefore));
        return null;
    }

    internal static void Written(List<HandOver> group)
    {
        foreach (var item in group) item.Done.TrySetResult();
    }

    /// <summary>The group was not written: it fails, and so does every later hand-over of this journal.</summary>
    internal void Failed(List<HandOver> group, Exception error)
    {
        lock (_lock) _failed ??= error;
        foreach (var item in group) item.Done.TrySetException(error);
    }

    /// <summary>What a hand-over after a failed one fails with: the same refusal for a take-over, else the first failure inside.</summary>
    private Exception Later(Exception first) => first is RunTakenOverException
        ? new RunTakenOverException(_runId)
        : new InvalidOperationException($"run {_runId}: an earlier hand-over failed, so this one was not written ({first.Message})", first);

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
    internal sealed class HandOver(RunChanges changes)
    {
        public RunRow? Run { get; } = changes.Run;
        public StepRow[] Steps { get; } = [.. changes.StepsIfAny ?? []];
        public LogRow[] Logs { get; } = [.. changes.LogsIfAny ?? []];
        public CacheRow[] Cache { get; } = [.. changes.CacheIfAny ?? []];
        public LineageRow[] Lineage { get; } = [.. changes.LineageIfAny ?? []];
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
