namespace Pipelines.Engine.Tests.Persistence;

/// <summary>A clock that only moves when the test says so.</summary>
public sealed class SteppedTimeProvider(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
