namespace Pipelines.Activities.Core;

public sealed record SleepInputs
{
    [Port("How long to wait, in seconds.")]
    [Range(0, 86_400)]
    public required double Seconds { get; init; }
}

/// <summary>Waits, reporting progress; cancellable. Used to exercise timeouts, cancellation and progress.</summary>
// Not deterministic in the caching sense: its whole point is the wait, which a cached result would skip.
[Activity("core.sleep", Category = "Control", Description = "Waits for a number of seconds, reporting progress.", Deterministic = false)]
public sealed class Sleep : IActivity<SleepInputs, NoOutputs>
{
    public async Task<NoOutputs> ExecuteAsync(SleepInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        var total = TimeSpan.FromSeconds(inputs.Seconds);
        var started = context.Time.GetTimestamp();
        while (context.Time.GetElapsedTime(started) is var elapsed && elapsed < total)
        {
            context.Progress.Report(new ProgressUpdate(elapsed / total, $"{elapsed.TotalSeconds:0.0}s of {total.TotalSeconds:0.0}s"));
            var remaining = total - elapsed;
            await Task.Delay(remaining < TimeSpan.FromMilliseconds(250) ? remaining : TimeSpan.FromMilliseconds(250), context.Time, cancellationToken)
                .ConfigureAwait(false);
        }

        context.Progress.Report(new ProgressUpdate(1, "done"));
        return new NoOutputs();
    }
}
