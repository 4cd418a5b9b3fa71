using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record ClockInputs
{
    [Port("Text returned with the time.")]
    public string Value { get; init; } = "";
}

public sealed record ClockOutputs
{
    [Port("The value and the time it ran.")]
    public required string Value { get; init; }
}

/// <summary>Depends on the time it runs, so it is declared non-deterministic and must never be answered from the cache.</summary>
[Activity("test.clock", Category = "Test", Description = "Returns its value with the current time.", Deterministic = false)]
public sealed class Clock : IActivity<ClockInputs, ClockOutputs>
{
    public Task<ClockOutputs> ExecuteAsync(ClockInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            return Task.FromResult(new ClockOutputs { Value = $"{inputs.Value} at {context.Time.GetUtcNow():O}" });
        }
    }
}
