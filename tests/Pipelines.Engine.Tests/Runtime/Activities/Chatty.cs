using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record ChattyInputs
{
    [Port("Lines to log before the gate.")]
    public int Lines { get; init; } = 3;
}

/// <summary>Logs lines and reports progress, then waits at its run's gate: what a watcher sees while a step runs.</summary>
[Activity("test.chatty", Category = "Test", Description = "Logs, reports progress, then waits until the test opens the gate.", Deterministic = false)]
public sealed class Chatty : IActivity<ChattyInputs, GateOutputs>
{
    public async Task<GateOutputs> ExecuteAsync(ChattyInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        for (var i = 0; i < inputs.Lines; i++) context.Log($"line {i}");
        context.Progress.Report(new ProgressUpdate(0.5, "half way", new Dictionary<string, double> { ["loss"] = 1.25 }));
        await Probe.For(context.RunId).Gate.WaitAsync(cancellationToken);
        context.Log("after the gate");
        return new GateOutputs { Step = context.StepId };
    }
}
