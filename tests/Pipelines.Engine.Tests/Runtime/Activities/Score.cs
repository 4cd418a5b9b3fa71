using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record ScoreInputs
{
    [Port("First factor.")]
    public required double X { get; init; }

    [Port("Second factor.")]
    public required double Y { get; init; }
}

public sealed record ScoreOutputs
{
    [Port("The x input.")]
    public required double X { get; init; }

    [Port("The y input.")]
    public required double Y { get; init; }

    [Port("x * y.")]
    public required double Score { get; init; }
}

/// <summary>Scores a matrix combination as x * y, so select has something to minimize or maximize.</summary>
[Activity("test.score", Category = "Test", Description = "Returns x, y and x * y.")]
public sealed class Score : IActivity<ScoreInputs, ScoreOutputs>
{
    public Task<ScoreOutputs> ExecuteAsync(ScoreInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            return Task.FromResult(new ScoreOutputs { X = inputs.X, Y = inputs.Y, Score = inputs.X * inputs.Y });
        }
    }
}
