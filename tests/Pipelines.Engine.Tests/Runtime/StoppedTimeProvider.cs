namespace Pipelines.Engine.Tests.Runtime;

/// <summary>
/// A clock that never moves: a timer due now fires at once, any later one never does. What finishes on it did not
/// wait for time to pass.
/// </summary>
public sealed class StoppedTimeProvider : TimeProvider
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => 0;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Fire after the caller has its timer in hand, as a real timer would.
        if (dueTime == TimeSpan.Zero) ThreadPool.QueueUserWorkItem(_ => callback(state));
        return new StoppedTimer();
    }

    private sealed class StoppedTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
