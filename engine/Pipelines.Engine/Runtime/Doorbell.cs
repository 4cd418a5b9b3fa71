namespace Pipelines.Runtime;

/// <summary>
/// Wakes a polling loop early: <see cref="Ring"/> from any thread ends the current <see cref="WaitAsync"/> at once, and
/// a ring while the loop is busy ends the next wait at once, so no ring is lost between a look and the next wait.
/// </summary>
internal sealed class Doorbell(TimeProvider time)
{
    private TaskCompletionSource _rung = New();

    public void Ring() => Volatile.Read(ref _rung).TrySetResult();

    /// <summary>Waits for a ring or <paramref name="atMost"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan atMost, CancellationToken ct)
    {
        var rung = Volatile.Read(ref _rung);
        if (!rung.Task.IsCompleted)
        {
            using var delay = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var elapsed = Task.Delay(atMost, time, delay.Token);
            await Task.WhenAny(rung.Task, elapsed).ConfigureAwait(false);
            await delay.CancelAsync().ConfigureAwait(false);
        }

        ct.ThrowIfCancellationRequested();
        // Re-armed before the caller looks: a ring from now on belongs to the next wait.
        Interlocked.CompareExchange(ref _rung, New(), rung);
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
