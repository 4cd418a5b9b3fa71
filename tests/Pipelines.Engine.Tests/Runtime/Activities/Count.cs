using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record CountInputs
{
    [Port("Text returned as is.")]
    public string Value { get; init; } = "";

    [Port("A number returned as is.")]
    public double Number { get; init; }
}

public sealed record CountOutputs
{
    [Port("The value input.")]
    public required string Value { get; init; }

    [Port("The number input.")]
    public required double Number { get; init; }
}

/// <summary>Records in its run's probe that it ran, logs its value and returns its inputs: deterministic, so cacheable.</summary>
[Activity("test.count", Category = "Test", Description = "Records an invocation and returns its inputs.")]
public sealed class Count : IActivity<CountInputs, CountOutputs>
{
    public Task<CountOutputs> ExecuteAsync(CountInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            context.Log($"count {inputs.Value}");
            return Task.FromResult(new CountOutputs { Value = inputs.Value, Number = inputs.Number });
        }
    }
}

/// <summary>The same behaviour under a new major version: its cache entries must not be shared with version 1.</summary>
[Activity("test.count", Version = 2, Category = "Test", Description = "Records an invocation and returns its inputs (v2).")]
public sealed class CountVersion2 : IActivity<CountInputs, CountOutputs>
{
    public Task<CountOutputs> ExecuteAsync(CountInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            return Task.FromResult(new CountOutputs { Value = inputs.Value, Number = inputs.Number });
        }
    }
}
