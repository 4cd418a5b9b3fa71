namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// How much a served model answered over <see cref="Seconds"/>: the requests that arrived in that time and the tokens
/// they read and wrote, per second.
/// </summary>
public sealed record TrafficRate(int Requests, double Seconds, double RequestsPerSecond, double PromptTokensPerSecond, double OutputTokensPerSecond)
{
    /// <summary>No time measured: every rate 0.</summary>
    public static readonly TrafficRate None = new(0, 0, 0, 0, 0);

    public static TrafficRate Over(IReadOnlyCollection<Pipelines.Monitoring.LoggedRequest> requests, double seconds) =>
        seconds <= 0 ? None with { Requests = requests.Count }
            : new(requests.Count, seconds, requests.Count / seconds, requests.Sum(r => (double)r.PromptTokens) / seconds,
                requests.Sum(r => (double)r.CompletionTokens) / seconds);
}
