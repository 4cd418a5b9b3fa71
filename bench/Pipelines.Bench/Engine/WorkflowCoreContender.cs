using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowCore.Interface;
using WorkflowCore.Models;
using WorkflowCore.Models.LifeCycleEvents;

namespace Pipelines.Bench.Engine;

/// <summary>
/// Workflow Core 3.22.0 with its defaults for one node: in-memory persistence, the single-node queue, lock and
/// event hub. Each measurement gets a fresh host (and so a fresh store), started before the clock and stopped after it.
/// </summary>
public sealed class WorkflowCoreContender(WorkflowCoreSettings settings) : IEngineContender
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public WorkflowCoreContender() : this(WorkflowCoreSettings.Fastest)
    {
    }

    public string Name => "workflowcore";

    public WorkflowCoreSettings Settings => settings;

    public Task<ContenderResult> RunChainAsync(int steps, CancellationToken ct) =>
        RunAsync(new WorkflowCoreChain(steps), runs: 1, stepsPerRun: steps, ct);

    public Task<ContenderResult> RunDiamondsAsync(int runs, CancellationToken ct) =>
        RunAsync(new WorkflowCoreDiamond(), runs, WorkflowCoreDiamond.Steps, ct);

    private async Task<ContenderResult> RunAsync(IWorkflow workflow, int runs, int stepsPerRun, CancellationToken ct)
    {
        var completion = new CompletionCounter(runs);
        await using var services = BuildServices(completion);
        var host = services.GetRequiredService<IWorkflowHost>();
        var counter = services.GetRequiredService<WorkflowCoreStepCounter>();
        host.Registry.RegisterWorkflow(workflow);
        host.OnStepError += (_, step, error) => completion.Fail(new InvalidOperationException($"Workflow Core step {step.Id} failed", error));
        if (settings.Completion == WorkflowCoreCompletion.LifeCycleEvent)
        {
            host.OnLifeCycleEvent += e =>
            {
                if (e is WorkflowCompleted) completion.Completed();
            };
        }

        await host.StartAsync(ct);
        try
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < runs; i++) await host.StartWorkflow(workflow.Id, workflow.Version, data: null);
            await completion.Task.WaitAsync(Patience, ct);
            clock.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

            var expected = (long)runs * stepsPerRun;
            if (counter.Count != expected)
                throw new InvalidOperationException($"Workflow Core ran {counter.Count} steps of {workflow.Id}, expected {expected}");
            return new ContenderResult(counter.Count, clock.Elapsed, [], cpu);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private ServiceProvider BuildServices(CompletionCounter completion)
    {
        var services = new ServiceCollection();
        // No providers and nothing enabled: Workflow Core's log calls return at the level check.
        services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.None));
        services.AddSingleton<WorkflowCoreStepCounter>();
        services.AddTransient<WorkflowCoreNoOp>();
        services.AddWorkflow(options =>
        {
            options.UseMaxConcurrentWorkflows(settings.MaxConcurrentWorkflows);
            options.UseIdleTime(settings.IdleTime);
            options.UsePollInterval(settings.PollInterval);
            options.EnableLifeCycleEventsPublisher = settings.Completion == WorkflowCoreCompletion.LifeCycleEvent;
            // Neither the benchmark nor our runtime has a search index or external events; their consumers only
            // add idle queue traffic.
            options.EnableIndexes = settings.Indexes;
            options.EnableEvents = false;
        });
        if (settings.Completion == WorkflowCoreCompletion.PostWorkflowMiddleware)
            services.AddWorkflowMiddleware(_ => new CompletionMiddleware(completion));
        return services.BuildServiceProvider();
    }

    /// <summary>Completes when the expected number of workflows have completed, or faults on the first step error.</summary>
    private sealed class CompletionCounter(int expected)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = expected;

        public Task Task => _done.Task;

        public void Completed()
        {
            if (Interlocked.Decrement(ref _remaining) == 0) _done.TrySetResult();
        }

        public void Fail(Exception error) => _done.TrySetException(error);
    }

    /// <summary>Workflow Core's own hook for "this workflow just completed", run inside the worker that completed it.</summary>
    private sealed class CompletionMiddleware(CompletionCounter completion) : IWorkflowMiddleware
    {
        public WorkflowMiddlewarePhase Phase => WorkflowMiddlewarePhase.PostWorkflow;

        public Task HandleAsync(WorkflowInstance workflow, WorkflowDelegate next)
        {
            if (workflow.Status == WorkflowStatus.Complete) completion.Completed();
            return next();
        }
    }
}
