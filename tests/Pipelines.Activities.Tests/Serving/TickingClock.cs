namespace Pipelines.Activities.Tests.Serving;

/// <summary>
/// A clock that moves one millisecond each time it is read, and runs an action once it passes a given time: with a
/// single loop reading it, deadlines and cancellations land on the same token boundary every run, without sleeping.
/// </summary>
public sealed class TickingClock : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset At, Action Action)> _triggers = [];

    public static DateTimeOffset Start { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Now { get; private set; } = Start;

    public void At(DateTimeOffset at, Action action)
    {
        lock (_gate) _triggers.Add((at, action));
    }

    public override DateTimeOffset GetUtcNow()
    {
        List<Action> due;
        DateTimeOffset now;
        lock (_gate)
        {
            now = Now;
            Now += TimeSpan.FromMilliseconds(1);
            due = _triggers.Where(t => t.At <= now).Select(t => t.Action).ToList();
            _triggers.RemoveAll(t => t.At <= now);
        }

        foreach (var action in due) action();
        return now;
    }
}
