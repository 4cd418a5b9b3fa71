namespace Pipelines.Bench.Engine;

/// <summary>
/// One workflow runtime in the engine benchmark. Each call is a whole measurement: set up what the runtime needs
/// (outside the clock), run the workload, tear down, and report what was executed and how long it took.
/// </summary>
public interface IEngineContender
{
    /// <summary>Short lower-case name, as printed in the summary line (<c>ours</c>, <c>workflowcore</c>).</summary>
    string Name { get; }

    /// <summary>One run of <paramref name="steps"/> no-op steps, each needing the one before; clocked from start to completed.</summary>
    Task<ContenderResult> RunChainAsync(int steps, CancellationToken ct);

    /// <summary>
    /// <paramref name="runs"/> runs of the 10-step diamond (start → 8 parallel no-op steps → join), all started together;
    /// clocked from the first start to the last completion.
    /// </summary>
    Task<ContenderResult> RunDiamondsAsync(int runs, CancellationToken ct);
}
