using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// What the served models do, as Prometheus metrics in vLLM's vocabulary (the host's <c>/metrics</c>, prefixed
/// <c>pipelines_serving_</c> where vLLM writes <c>vllm:</c>), each labelled with the served <c>model</c> (as configured),
/// its registry <c>name</c>, <c>alias</c>, <c>version</c> and <c>variant</c>: the histograms
/// <c>time_to_first_token_seconds</c>, <c>time_per_output_token_seconds</c>, <c>e2e_request_latency_seconds</c> and
/// <c>request_queue_time_seconds</c>; the counters <c>prompt_tokens_total</c>, <c>generation_tokens_total</c>,
/// <c>request_success_total</c> (by <c>finished_reason</c>) and <c>request_errors_total</c> (by <c>kind</c>); the gauges
/// <c>num_requests_running</c> and <c>num_requests_waiting</c>. And what monitoring measured over its latest window
/// (<see cref="ServedModelMonitor"/>): <c>pipelines_monitor_drift</c> (by <c>feature</c> and <c>statistic</c>: psi, js,
/// wasserstein, difference), <c>pipelines_monitor_drift_status</c> (by <c>feature</c>: 0 ok, 1 warn, 2 drift),
/// <c>pipelines_monitor_quality</c> (by <c>measure</c>) and <c>pipelines_monitor_window_requests</c>.
/// </summary>
public static class ServingMetrics
{
    public const string Name = "Pipelines.Serving";

    private static readonly Meter Meter = new(Name);

    // vLLM's boundaries, extended below a millisecond: small models on a CPU answer that fast.
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];
    private static readonly double[] TokenBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];

    private static readonly Histogram<double> TimeToFirstToken = Histogram("time_to_first_token", "time from the request's arrival to its first generated token", LatencyBuckets);
    private static readonly Histogram<double> TimePerOutputToken = Histogram("time_per_output_token", "time between consecutive generated tokens of a request", TokenBuckets);
    private static readonly Histogram<double> EndToEnd = Histogram("e2e_request_latency", "time from the request's arrival to its last token", LatencyBuckets);
    private static readonly Histogram<double> QueueTime = Histogram("request_queue_time", "time a request waited before it joined the running batch", LatencyBuckets);
    private static readonly Counter<long> PromptTokens = Meter.CreateCounter<long>("pipelines.serving.prompt_tokens", "{token}", "prompt tokens of finished requests");
    private static readonly Counter<long> GenerationTokens = Meter.CreateCounter<long>("pipelines.serving.generation_tokens", "{token}", "tokens generated for finished requests");
    private static readonly Counter<long> Successes = Meter.CreateCounter<long>("pipelines.serving.request_success", "{request}", "finished requests, by finished_reason (stop, length, cancelled, deadline)");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("pipelines.serving.request_errors", "{request}", "requests answered with an error, by kind (invalid_request, not_found, rate_limited, server_error)");

    private static readonly ConcurrentDictionary<ServedModels, byte> Hosts = new();
    private static readonly ConcurrentDictionary<ServedModelMonitor, byte> Monitors = new();

    static ServingMetrics()
    {
        Meter.CreateObservableGauge("pipelines.serving.num_requests_running", () => Hosts.Keys.SelectMany(h => h.All).Select(m => new Measurement<int>(m.Batcher.Running, Tags(m))), "{request}",
            "requests in the running batch");
        Meter.CreateObservableGauge("pipelines.serving.num_requests_waiting", () => Hosts.Keys.SelectMany(h => h.All).Select(m => new Measurement<int>(m.Batcher.Waiting, Tags(m))), "{request}",
            "requests queued for a place in the batch");
        Meter.CreateObservableGauge("pipelines.monitor.drift", () => Windows().SelectMany(DriftValues), null,
            "drift of the latest window's prompts from the served version's training data, by feature and statistic");
        Meter.CreateObservableGauge("pipelines.monitor.drift_status", () => Windows().SelectMany(w => (w.Drift?.Features ?? []).Select(f =>
            new Measurement<int>((int)f.Status, [.. Tags(w.Model), new("feature", f.Feature)]))), null, "each drift feature's status: 0 ok, 1 warn, 2 drift");
        Meter.CreateObservableGauge("pipelines.monitor.quality", () => Windows().SelectMany(QualityValues), null,
            "quality of the latest window's sampled answers, by measure (rates are shares of the window)");
        Meter.CreateObservableGauge("pipelines.monitor.window_requests", () => Windows().Select(w => new Measurement<int>(w.Requests, Tags(w.Model))), "{request}",
            "requests of the served version in the latest monitoring window");
    }

    private static IEnumerable<MonitoredWindow> Windows() => Monitors.Keys.SelectMany(m => m.Latest);

    private static IEnumerable<Measurement<double>> DriftValues(MonitoredWindow window)
    {
        if (window.Drift is not { } drift) yield break;
        var tags = Tags(window.Model);
        foreach (var feature in drift.Features) yield return new(feature.Value, [.. tags, new("feature", feature.Feature), new("statistic", feature.Statistic)]);
        yield return new(drift.PromptLengthWasserstein, [.. tags, new("feature", drift.PromptLength.Feature), new("statistic", "wasserstein")]);
        yield return new(drift.UnknownTokenRateDifference, [.. tags, new("feature", drift.UnknownTokenRate.Feature), new("statistic", "difference")]);
        yield return new(drift.NonAsciiShareDifference, [.. tags, new("feature", drift.NonAsciiShare.Feature), new("statistic", "difference")]);
    }

    private static IEnumerable<Measurement<double>> QualityValues(MonitoredWindow window)
    {
        var tags = Tags(window.Model);
        var quality = window.Quality;
        Measurement<double> Of(string measure, double value) => new(value, [.. tags, new("measure", measure)]);
        yield return Of("toxicity_rate", quality.ToxicOutputRate);
        yield return Of("pii_leak_rate", quality.PiiLeakRate);
        yield return Of("empty_rate", quality.EmptyOutputRate);
        yield return Of("truncated_rate", quality.TruncatedOutputRate);
        yield return Of("mean_output_tokens", quality.MeanOutputTokens);
        yield return Of("ratings", quality.Ratings);
        if (quality.MeanRating is { } rating) yield return Of("mean_rating", rating);
    }

    /// <summary>Starts (or stops) reporting the gauges of the versions <paramref name="host"/> serves (whichever they are at each scrape).</summary>
    public static void Track(ServedModels host, bool serving)
    {
        if (serving) Hosts[host] = 0;
        else Hosts.TryRemove(host, out _);
    }

    /// <summary>Starts (or stops) reporting the latest windows <paramref name="monitor"/> measured.</summary>
    public static void Track(ServedModelMonitor monitor, bool watching)
    {
        if (watching) Monitors[monitor] = 0;
        else Monitors.TryRemove(monitor, out _);
    }

    /// <summary>Records a request that ended with a completion (whatever its finish reason).</summary>
    public static void Finished(ServedModel model, CompletionResult result)
    {
        var tags = Tags(model);
        var timings = result.Timings;
        if (timings.TimeToFirstToken is { } first) TimeToFirstToken.Record(first.TotalSeconds, tags);
        foreach (var gap in timings.TimesPerOutputToken) TimePerOutputToken.Record(gap.TotalSeconds, tags);
        EndToEnd.Record(timings.EndToEnd.TotalSeconds, tags);
        QueueTime.Record(timings.QueueTime.TotalSeconds, tags);
        PromptTokens.Add(result.PromptTokens, tags);
        GenerationTokens.Add(result.CompletionTokens, tags);
        Successes.Add(1, [.. tags, new("finished_reason", result.FinishReason.ToString().ToLowerInvariant())]);
    }

    /// <summary>Records a request answered with an error of <paramref name="kind"/> (the model is null when the request named none served).</summary>
    public static void Failed(ServedModel? model, string kind) =>
        Errors.Add(1, [.. model is null ? [new KeyValuePair<string, object?>("model", "")] : Tags(model), new("kind", kind)]);

    private static KeyValuePair<string, object?>[] Tags(ServedModel model) =>
    [
        new("model", model.Id),
        new("name", model.Version.Model),
        new("alias", model.Alias ?? ""),
        new("version", model.Version.Version),
        new("variant", model.Variant),
    ];

    private static Histogram<double> Histogram(string name, string description, double[] buckets) =>
        Meter.CreateHistogram($"pipelines.serving.{name}", "s", description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });
}
