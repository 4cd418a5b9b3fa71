using Pipelines.Monitoring;

namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// The traffic of a window of logged requests, in the figures vLLM's dashboards show: requests and tokens per second,
/// end-to-end latency, time to first token and time per output token percentiles, and why requests ended.
/// </summary>
/// <remarks>
/// A request is logged with the time it arrived, and it ended before it was logged, so every request of the window ran
/// inside the span from the oldest one's arrival to now: rates over that span count whole requests only. The last
/// minute is the window's requests that arrived in the 60 seconds before now, over 60 seconds — or over the window's
/// span when it is shorter, since a full window (<c>?window=N</c>) sees no further back than its oldest request.
/// </remarks>
public sealed record TrafficWindow
{
    public static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    public required int Requests { get; init; }

    /// <summary>Over the window's span: from its oldest request's arrival to now.</summary>
    public required TrafficRate Window { get; init; }

    /// <summary>Over the last minute (or the window's span, when shorter).</summary>
    public required TrafficRate LastMinute { get; init; }

    /// <summary>End-to-end latency, from arrival to the last token; null for an empty window.</summary>
    public required LatencyPercentiles? LatencySeconds { get; init; }

    /// <summary>Time to first token, from arrival; null when no request produced a token.</summary>
    public required LatencyPercentiles? TimeToFirstTokenSeconds { get; init; }

    /// <summary>
    /// Time per output token after the first, vLLM's TPOT: (latency − time to first token) / (output tokens − 1) of
    /// each request with two tokens or more; null when none had.
    /// </summary>
    public required LatencyPercentiles? TimePerOutputTokenSeconds { get; init; }

    /// <summary>How many requests ended for each reason (<c>stop</c>, <c>length</c>, <c>cancelled</c>, <c>deadline</c>), most frequent first.</summary>
    public required IReadOnlyDictionary<string, int> FinishReasons { get; init; }

    /// <summary>Measures <paramref name="window"/> as it stands at <paramref name="now"/>.</summary>
    public static TrafficWindow Measure(IEnumerable<LoggedRequest> window, DateTimeOffset now)
    {
        var requests = window.ToList();
        var span = requests.Count == 0 ? TimeSpan.Zero : now - requests.Min(r => r.At);
        var minute = span < Minute ? span : Minute;
        return new TrafficWindow
        {
            Requests = requests.Count,
            Window = TrafficRate.Over(requests, span.TotalSeconds),
            LastMinute = TrafficRate.Over([.. requests.Where(r => r.At >= now - minute)], minute.TotalSeconds),
            LatencySeconds = LatencyPercentiles.Of(requests.Select(r => r.LatencySeconds)),
            TimeToFirstTokenSeconds = LatencyPercentiles.Of(requests.Where(r => r.TimeToFirstTokenSeconds is not null).Select(r => r.TimeToFirstTokenSeconds!.Value)),
            TimePerOutputTokenSeconds = LatencyPercentiles.Of(requests
                .Where(r => r.TimeToFirstTokenSeconds is not null && r.CompletionTokens >= 2)
                .Select(r => (r.LatencySeconds - r.TimeToFirstTokenSeconds!.Value) / (r.CompletionTokens - 1))),
            FinishReasons = requests.CountBy(r => r.FinishReason).OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
                .ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal),
        };
    }
}
