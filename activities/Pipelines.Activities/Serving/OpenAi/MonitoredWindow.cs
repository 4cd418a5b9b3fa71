using System.Globalization;
using System.Text.Json.Nodes;
using Pipelines.Activities.Serving.Monitoring;
using Pipelines.Monitoring;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// A window of a served version's logged requests, measured: quality of the sampled answers and drift of the sampled
/// prompts against the version's training data (or why drift cannot be told). What <c>/api/monitoring</c> shows, the
/// <c>pipelines_monitor_*</c> gauges report and <c>monitor</c> triggers judge (<see cref="Facts"/>).
/// </summary>
public sealed record MonitoredWindow(ServedModel Model, int Requests, int Sampled, QualityWindow Quality, DriftReport? Drift, string? DriftNote)
{
    /// <summary>Measures the requests of <paramref name="model"/>'s version among <paramref name="logged"/> (other versions' are left out).</summary>
    public static MonitoredWindow Measure(ServedModel model, IEnumerable<LoggedRequest> logged)
    {
        var requests = model.VersionOf(logged);
        var sampled = requests.Where(r => r.Prompt is not null && r.Output is not null).ToList();
        var quality = QualityWindow.Measure(sampled.Select(r => new ServedExchange(r.Output!, Enum.Parse<FinishReason>(r.FinishReason, ignoreCase: true), r.CompletionTokens, r.Rating)));
        var samples = sampled.Select(r => LiveSample.Of(r.Prompt!, model.Tokenizer)).Where(s => s.PromptIds.Length > 0).ToList();
        var (drift, note) = model.Profile is null ? (null, $"version {model.Version.Version} names no training dataset here to compare with")
            : samples.Count == 0 ? (null, "no sampled prompts in the window (Serving:SampleRate is 0, or nothing was asked yet)")
            : (DriftDetector.Compare(model.Profile, samples), (string?)null);
        return new MonitoredWindow(model, requests.Count, sampled.Count, quality, drift, note);
    }

    /// <summary>The window as <see cref="MonitorFacts"/> names it, from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public JsonObject Facts(DateTimeOffset start, DateTimeOffset end)
    {
        var facts = MonitorFacts.Empty();
        var drift = facts["drift"]!;
        drift["samples"] = Drift?.Samples ?? 0;
        if (Drift is { } report)
        {
            drift["status"] = Status(report.Status);
            Feature(drift, report.PromptLength, ("wasserstein", report.PromptLengthWasserstein));
            Feature(drift, report.TokenDistribution);
            Feature(drift, report.UnknownTokenRate, ("difference", report.UnknownTokenRateDifference));
            Feature(drift, report.NonAsciiShare, ("difference", report.NonAsciiShareDifference));
        }

        var quality = facts["quality"]!;
        quality["requests"] = Quality.Requests;
        if (Quality.Requests > 0)
        {
            quality["toxicity_rate"] = Quality.ToxicOutputRate;
            quality["pii_leak_rate"] = Quality.PiiLeakRate;
            quality["empty_rate"] = Quality.EmptyOutputRate;
            quality["truncated_rate"] = Quality.TruncatedOutputRate;
            quality["mean_output_tokens"] = Quality.MeanOutputTokens;
        }

        quality["ratings"] = Quality.Ratings;
        quality["mean_rating"] = Quality.MeanRating;

        var window = facts["window"]!;
        window["requests"] = Requests;
        window["sampled"] = Sampled;
        window["start"] = start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        window["end"] = end.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        window["seconds"] = (end - start).TotalSeconds;

        var model = facts["model"]!;
        model["reference"] = Model.Id;
        model["name"] = Model.Version.Model;
        model["alias"] = Model.Alias;
        model["version"] = Model.Version.Version;
        model["variant"] = Model.Variant;
        return facts;
    }

    public static string Status(DriftStatus status) => status.ToString().ToLowerInvariant();

    private static void Feature(JsonNode drift, FeatureDrift feature, params (string Name, double Value)[] more)
    {
        var node = drift[feature.Feature]!;
        node[feature.Statistic] = feature.Value;
        node["status"] = Status(feature.Status);
        foreach (var (name, value) in more) node[name] = value;
    }
}
