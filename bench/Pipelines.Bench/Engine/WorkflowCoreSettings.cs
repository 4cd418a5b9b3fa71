namespace Pipelines.Bench.Engine;

/// <summary>How completion is noticed: Workflow Core's life-cycle events, or a post-workflow middleware.</summary>
public enum WorkflowCoreCompletion
{
    LifeCycleEvent,
    PostWorkflowMiddleware,
}

/// <summary>The Workflow Core options the benchmark sets.</summary>
public sealed record WorkflowCoreSettings(int MaxConcurrentWorkflows, TimeSpan IdleTime, TimeSpan PollInterval, WorkflowCoreCompletion Completion, bool Indexes)
{
    /// <summary>Workflow Core's own defaults (4 workflows at once, 100 ms idle, 10 s poll, life-cycle events, index queue).</summary>
    public static WorkflowCoreSettings Defaults { get; } =
        new(4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), WorkflowCoreCompletion.LifeCycleEvent, Indexes: true);

    /// <summary>
    /// What the benchmark runs: the fastest that <c>engine tune</c> found (2-core VM, 2026-11-26, 1,000-step chain plus
    /// 1,000 diamonds, medians of interleaved rounds; combined about 95-120k steps/s against 50-75k for the defaults).
    /// One switch matters beyond noise: the index queue off (+25-35%). Every persist queues the workflow for a search
    /// index that is a no-op by default, and neither the workload nor our runtime has one. Completion is noticed by a
    /// post-workflow middleware with the life-cycle publisher off: no measurable difference from listening to
    /// WorkflowCompleted, but it spares Workflow Core publishing StepStarted/StepCompleted for every step. Concurrency
    /// (1-64) and idle time (0-10 ms) move the result less than run-to-run noise (±15%) on 2 cores; we take 2 per
    /// core, which tied for best here and scales on bigger machines, and 1 ms idle, which never spins a core. The
    /// poll interval stays at its default 10 s: Workflow Core requeues a runnable workflow itself, and polling would
    /// only add scans of the store.
    /// </summary>
    public static WorkflowCoreSettings Fastest { get; } =
        new(2 * Environment.ProcessorCount, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), WorkflowCoreCompletion.PostWorkflowMiddleware, Indexes: false);
}
