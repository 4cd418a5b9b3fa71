using Pipelines.Activities.Serving.Monitoring;
using Pipelines.Monitoring;

namespace Pipelines.Activities.Tests.Serving.Monitoring;

/// <summary><see cref="TrafficWindow"/> on windows whose figures are worked out by hand in the comments.</summary>
public sealed class TrafficWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static LoggedRequest Request(double secondsAgo, int prompt, int completion, double latency, double? ttft, string finish = "stop") =>
        new($"r{secondsAgo}", "m@production", "m", "production", 1, "int8", Now.AddSeconds(-secondsAgo), null, null, finish, prompt, completion, latency, ttft);

    // Four requests over the 100 seconds since the oldest arrived; three of them in the last minute.
    private static readonly LoggedRequest[] Four =
    [
        Request(100, prompt: 10, completion: 5, latency: 0.5, ttft: 0.1),
        Request(50, prompt: 20, completion: 11, latency: 2.1, ttft: 0.1, finish: "length"),
        Request(30, prompt: 30, completion: 1, latency: 0.2, ttft: 0.2),
        Request(10, prompt: 40, completion: 0, latency: 0.05, ttft: null, finish: "cancelled"),
    ];

    [Fact]
    public void Rates_count_the_window_over_its_span_and_the_last_minute_over_sixty_seconds()
    {
        var traffic = TrafficWindow.Measure(Four, Now);

        // 4 requests, 100 prompt and 17 output tokens in 100 s.
        Assert.Equal(new TrafficRate(4, 100, 0.04, 1.0, 0.17), Rounded(traffic.Window));
        // The last three: 90 prompt and 12 output tokens in 60 s.
        Assert.Equal(new TrafficRate(3, 60, 0.05, 1.5, 0.2), Rounded(traffic.LastMinute));
    }

    [Fact]
    public void Percentiles_are_nearest_rank_and_time_per_output_token_skips_requests_of_one_token()
    {
        var traffic = TrafficWindow.Measure(Four, Now);

        // Latencies 0.05, 0.2, 0.5, 2.1: p50 is the 2nd (⌈0.5·4⌉), p90 and p99 the 4th.
        Assert.Equal(new LatencyPercentiles(0.2, 2.1, 2.1), traffic.LatencySeconds);
        // The three requests with a first token: 0.1, 0.1, 0.2.
        Assert.Equal(new LatencyPercentiles(0.1, 0.2, 0.2), traffic.TimeToFirstTokenSeconds);
        // (0.5 − 0.1) / 4 = 0.1 and (2.1 − 0.1) / 10 = 0.2; the one-token and the cancelled request have no gaps between tokens.
        Assert.Equal(new LatencyPercentiles(0.1, 0.2, 0.2), Rounded(traffic.TimePerOutputTokenSeconds!));
        Assert.Equal([("stop", 2), ("cancelled", 1), ("length", 1)], traffic.FinishReasons.Select(f => (f.Key, f.Value)));
    }

    [Fact]
    public void Ten_latencies_put_p50_p90_and_p99_on_the_fifth_ninth_and_tenth()
    {
        var traffic = TrafficWindow.Measure(Enumerable.Range(1, 10).Select(i => Request(i, 1, 2, latency: i / 10.0, ttft: 0.01)), Now);

        Assert.Equal(new LatencyPercentiles(0.5, 0.9, 1.0), traffic.LatencySeconds);
    }

    [Fact]
    public void A_window_younger_than_a_minute_rates_its_last_minute_over_its_own_span()
    {
        var traffic = TrafficWindow.Measure([Request(10, 4, 6, 0.3, 0.1), Request(5, 4, 6, 0.3, 0.1)], Now);

        // Two requests in the 10 s the window reaches back: 0.2 requests/s and 1.2 output tokens/s, both ways.
        Assert.Equal(new TrafficRate(2, 10, 0.2, 0.8, 1.2), Rounded(traffic.Window));
        Assert.Equal(traffic.Window, traffic.LastMinute);
    }

    [Fact]
    public void An_empty_window_has_zero_rates_and_no_percentiles()
    {
        var traffic = TrafficWindow.Measure([], Now);

        Assert.Equal((0, TrafficRate.None, TrafficRate.None), (traffic.Requests, traffic.Window, traffic.LastMinute));
        Assert.Null(traffic.LatencySeconds);
        Assert.Null(traffic.TimeToFirstTokenSeconds);
        Assert.Null(traffic.TimePerOutputTokenSeconds);
        Assert.Empty(traffic.FinishReasons);
    }

    private static TrafficRate Rounded(TrafficRate r) =>
        new(r.Requests, Math.Round(r.Seconds, 9), Math.Round(r.RequestsPerSecond, 9), Math.Round(r.PromptTokensPerSecond, 9), Math.Round(r.OutputTokensPerSecond, 9));

    private static LatencyPercentiles Rounded(LatencyPercentiles p) => new(Math.Round(p.P50, 9), Math.Round(p.P90, 9), Math.Round(p.P99, 9));
}
