using WorkflowCore.Interface;
using WorkflowCore.Models;

namespace Pipelines.Bench.Engine;

/// <summary>Workflow Core's unit of work: a step body that does nothing but count itself, so the steps reported are steps that ran.</summary>
public sealed class WorkflowCoreNoOp(WorkflowCoreStepCounter counter) : StepBody
{
    public override ExecutionResult Run(IStepExecutionContext context)
    {
        counter.Increment();
        return ExecutionResult.Next();
    }
}

/// <summary>Counts <see cref="WorkflowCoreNoOp"/> executions across Workflow Core's worker tasks.</summary>
public sealed class WorkflowCoreStepCounter
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);
}
