namespace Pipelines.Engine.Tests.Runtime;

/// <summary>
/// What the test activities of one run saw: every start and finish in order, how many ran at once, and a gate that
/// holds <c>test.gate</c> steps until the test lets them go.
/// </summary>
public sealed class RunProbe
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _events = new();
    private readonly Lock _lock = new();
    private int _running;
    private int _maxRunning;

    /// <summary>"start ID" and "finish ID" lines in the order they happened.</summary>
    public IReadOnlyList<string> Events => _events.ToArray();

    public SemaphoreSlim Gate { get; } = new(0);

    public int Running
    {
        get
        {
            lock (_lock) return _running;
        }
    }

    public int MaxRunning
    {
        get
        {
            lock (_lock) return _maxRunning;
        }
    }

    public int Starts(string stepId) => _events.Count(e => e == $"start {stepId}");

    public int Finishes(string stepId) => _events.Count(e => e == $"finish {stepId}");

    public int IndexOf(string line) => Events.ToList().IndexOf(line);

    /// <summary>Records a start now and a finish when the returned scope ends (even if the activity fails).</summary>
    public IDisposable Enter(string stepId)
    {
        lock (_lock)
        {
            _events.Enqueue($"start {stepId}");
            _running++;
            _maxRunning = Math.Max(_maxRunning, _running);
        }

        return new Scope(this, stepId);
    }

    private sealed class Scope(RunProbe probe, string stepId) : IDisposable
    {
        public void Dispose()
        {
            lock (probe._lock)
            {
                probe._events.Enqueue($"finish {stepId}");
                probe._running--;
            }
        }
    }
}
