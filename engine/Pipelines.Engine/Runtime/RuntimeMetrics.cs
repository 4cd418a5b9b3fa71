using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pipelines.Runtime;

/// <summary>
/// The runtime's telemetry, in System.Diagnostics only so the engine stays free of any exporter: the
/// <c>Pipelines.Runtime</c> meter (queue depth, step durations, steps executed, runs by status) and activity source
/// (a span per run execution, a span per step attempt). A host exports them (serve: OpenTelemetry, Prometheus).
/// </summary>
public static class RuntimeMetrics
{
    public const string Name = "Pipelines.Runtime";

    private static readonly Meter Meter = new(Name);

    /// <summary>The activity source of run and step spans.</summary>
    public static ActivitySource Tracing { get; } = new(Name);

    private static readonly UpDownCounter<long> QueueDepth = Meter.CreateUpDownCounter<long>("pipelines.queue.depth", "{item}",
        "runs queued for a worker (kind=run) plus steps ready but waiting for a slot (kind=step)");

    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("pipelines.step.duration", "s",
        "wall time of one step attempt, by activity and outcome");

    private static readonly Counter<long> StepsExecuted = Meter.CreateCounter<long>("pipelines.steps.executed", "{attempt}",
        "step attempts finished, by activity and outcome");

    private static readonly Counter<long> Runs = Meter.CreateCounter<long>("pipelines.runs", "{run}",
        "run status changes, by the status reached");

    /// <summary>A run was queued (+1) or taken off the queue (-1).</summary>
    public static void RunQueued(int delta) => QueueDepth.Add(delta, new KeyValuePair<string, object?>("kind", "run"));

    /// <summary>Reports a coordinator's count of ready-but-waiting steps; <paramref name="reported"/> holds what it reported last.</summary>
    public static void ReadySteps(ref long reported, long now)
    {
        if (now == reported) return;
        QueueDepth.Add(now - reported, new KeyValuePair<string, object?>("kind", "step"));
        reported = now;
    }

    public static void RunReached(RunStatus status) => Runs.Add(1, new KeyValuePair<string, object?>("status", status.Name()));

    public static Activity? StartRun(string runId, string pipeline)
    {
        var span = Tracing.HasListeners() ? Tracing.StartActivity("run " + pipeline) : null;
        span?.SetTag("pipelines.run.id", runId);
        return span;
    }

    /// <summary>Starts the span and clock of one step attempt; <see cref="StepAttempt.End"/> records it.</summary>
    public static StepAttempt StartStep(string runId, string stepId, string activity, int attempt)
    {
        Activity? span = null;
        if (Tracing.HasListeners())
        {
            // Not made current: the loop starts many steps, and each must not become the parent of the next.
            var previous = Activity.Current;
            span = Tracing.StartActivity("step " + stepId);
            Activity.Current = previous;
        }

        if (span is not null)
        {
            span.SetTag("pipelines.run.id", runId);
            span.SetTag("pipelines.step.id", stepId);
            span.SetTag("pipelines.activity", activity);
            span.SetTag("pipelines.attempt", attempt);
        }

        return new StepAttempt(activity, span, Stopwatch.GetTimestamp());
    }

    /// <summary>The outcome label of an attempt: succeeded, cached, waiting, cancelled, interrupted or failed.</summary>
    internal static string Outcome(StepResult result, bool detaching) => result switch
    {
        { Bookmark: not null } => "waiting",
        { Succeeded: true, Cached: true } => "cached",
        { Succeeded: true } => "succeeded",
        _ when detaching => "interrupted",
        { Cancelled: true } => "cancelled",
        _ => "failed",
    };

    public readonly struct StepAttempt(string activity, Activity? span, long startedAt)
    {
        public void End(string outcome, string? error)
        {
            var tags = new TagList { { "activity", activity }, { "status", outcome } };
            StepDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
            StepsExecuted.Add(1, tags);
            if (span is null) return;
            span.SetTag("pipelines.step.status", outcome);
            if (outcome == "failed") span.SetStatus(ActivityStatusCode.Error, error);
            span.Dispose();
        }
    }
}
