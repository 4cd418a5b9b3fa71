namespace Pipelines.Activities.Serving;

/// <summary>
/// When a request was submitted, started (its prefill), got each token and ended, on the batcher's
/// <see cref="TimeProvider"/>: what vLLM-style metrics (queue time, time to first token, time per output token,
/// end-to-end latency) are made of.
/// </summary>
public sealed record RequestTimings(DateTimeOffset Submitted, DateTimeOffset? Started, IReadOnlyList<DateTimeOffset> Tokens, DateTimeOffset Finished)
{
    /// <summary>Waiting for a place in the batch (until it ended, when it never got one).</summary>
    public TimeSpan QueueTime => (Started ?? Finished) - Submitted;

    public TimeSpan? TimeToFirstToken => Tokens.Count > 0 ? Tokens[0] - Submitted : null;

    /// <summary>The time between consecutive tokens.</summary>
    public IReadOnlyList<TimeSpan> TimesPerOutputToken => Tokens.Zip(Tokens.Skip(1), (a, b) => b - a).ToList();

    public TimeSpan EndToEnd => Finished - Submitted;
}
