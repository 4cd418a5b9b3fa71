using WorkflowCore.Interface;

namespace Pipelines.Bench.Engine;

/// <summary>The chain: <c>StartWith&lt;NoOp&gt;().Then&lt;NoOp&gt;()...</c>, built with Workflow Core's fluent builder.</summary>
public sealed class WorkflowCoreChain(int steps) : IWorkflow
{
    public string Id => $"chain-{steps}";

    public int Version => 1;

    public void Build(IWorkflowBuilder<object> builder)
    {
        var step = builder.StartWith<WorkflowCoreNoOp>();
        for (var i = 1; i < steps; i++) step = step.Then<WorkflowCoreNoOp>();
    }
}

/// <summary>
/// The diamond: start → <c>Parallel()</c> with 8 one-step branches → join. Workflow Core adds a container step for
/// the parallel block; it is Workflow Core's own bookkeeping and is not counted as one of the 10 steps.
/// </summary>
public sealed class WorkflowCoreDiamond : IWorkflow
{
    public const int Branches = 8;
    public const int Steps = Branches + 2;

    public string Id => "diamond";

    public int Version => 1;

    public void Build(IWorkflowBuilder<object> builder)
    {
        var parallel = builder.StartWith<WorkflowCoreNoOp>().Parallel();
        for (var i = 0; i < Branches; i++) parallel = parallel.Do(branch => branch.StartWith<WorkflowCoreNoOp>());
        parallel.Join().Then<WorkflowCoreNoOp>();
    }
}
