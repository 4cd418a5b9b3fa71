using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence;

/// <summary>
/// One run's write path on SQLite, and the only place that knows how its step executions are laid out in chunks
/// (<see cref="StepChunks"/>): an execution goes into the last chunk when it is first stored (a new chunk when that one
/// is full) and never moves; a hand-over rewrites whole only the chunks whose executions changed, from the last row
/// of each member. Used by the run's coordinator alone, on its loop, so hand-overs reach the writer in order.
/// </summary>
internal sealed class SqliteRunJournal : IRunJournal
{
    private readonly string _runId;
    private readonly StoreWriter _writer;
    private readonly List<List<StepRow>> _chunks = [];
    private readonly Dictionary<string, (int Chunk, int Index)> _places;
    private readonly List<bool> _chunkDirty = [];
    private readonly List<int> _dirtyChunks = [];
    private readonly int _expected;

    /// <param name="expected">How many executions a new run is expected to store (a capacity hint, so a small run's lists are made once).</param>
    public SqliteRunJournal(string runId, StoreWriter writer, IReadOnlyList<IReadOnlyList<StepRow>> stored, int expected)
    {
        _runId = runId;
        _writer = writer;
        _expected = Math.Clamp(expected, 1, StepChunks.Size);
        _places = new Dictionary<string, (int, int)>(Math.Max(expected, stored.Sum(c => c.Count)), StringComparer.Ordinal);
        var all = new List<StepRow>();
        foreach (var chunk in stored)
        {
            var members = new List<StepRow>(StepChunks.Size);
            foreach (var row in chunk)
            {
                _places[row.StepId] = (_chunks.Count, members.Count);
                members.Add(row);
            }

            _chunks.Add(members);
            _chunkDirty.Add(false);
            all.AddRange(chunk);
        }

        Stored = all;
    }

    public IReadOnlyList<StepRow> Stored { get; }

    public Task CommitAsync(RunChanges changes)
    {
        var batch = new StoreBatch();
        if (changes.Run is { } run) batch.Runs.Add(run);
        if (changes.StepsIfAny is { } steps)
        {
            foreach (var step in steps) Place(step);
            foreach (var number in _dirtyChunks)
            {
                _chunkDirty[number] = false;
                batch.Chunks.Add(new StepChunkRow(_runId, number, StepChunks.Encode(_chunks[number])));
            }

            _dirtyChunks.Clear();
        }

        if (changes.LogsIfAny is { Count: > 0 } logs) batch.Logs.AddRange(logs);
        if (changes.CacheIfAny is { Count: > 0 } cache) batch.Cache.AddRange(cache);
        if (changes.LineageIfAny is { Count: > 0 } lineage) batch.Lineage.AddRange(lineage);
        return _writer.CommitAsync(batch);
    }

    /// <summary>Puts <paramref name="step"/> where it is stored (the last chunk, the first time) and marks that chunk for rewriting.</summary>
    private void Place(StepRow step)
    {
        if (_places.TryGetValue(step.StepId, out var place))
        {
            _chunks[place.Chunk][place.Index] = step;
        }
        else
        {
            if (_chunks.Count == 0 || _chunks[^1].Count >= StepChunks.Size)
            {
                _chunks.Add(new List<StepRow>(_chunks.Count == 0 ? _expected : StepChunks.Size));
                _chunkDirty.Add(false);
            }

            place = (_chunks.Count - 1, _chunks[^1].Count);
            _chunks[^1].Add(step);
            _places[step.StepId] = place;
        }

        if (!_chunkDirty[place.Chunk])
        {
            _chunkDirty[place.Chunk] = true;
            _dirtyChunks.Add(place.Chunk);
        }
    }
}
