namespace Pipelines.Bench.Engine;

/// <summary>What one measurement did: steps executed (no-op bodies that ran), wall time, and per-step latencies if the contender records them.</summary>
/// <param name="Steps">Steps executed, counted where they ran, not inferred from the workload's shape.</param>
/// <param name="Elapsed">Wall time from the first start to the last completion.</param>
/// <param name="StepLatenciesMs">Per step, milliseconds from ready to completed; empty when the contender does not record them.</param>
/// <param name="CpuTime">Processor time the whole process used while the clock ran (every thread: workers, writer, GC, JIT).</param>
public sealed record ContenderResult(long Steps, TimeSpan Elapsed, IReadOnlyList<double> StepLatenciesMs, TimeSpan CpuTime)
{
    public double StepsPerSecond => Steps / Elapsed.TotalSeconds;
}
