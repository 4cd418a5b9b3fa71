using Microsoft.Extensions.Configuration;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// The <c>Serving</c> section: <c>Models</c> (registry references, <c>Serving__Models__0=email-subjects@production</c>, or
/// <c>serve --model</c>), <c>MaxBatchSize</c> (sequences decoding together, 16) and <c>MaxWaiting</c> (requests queued
/// before a 429, 64), for every served model; <c>SampleRate</c> (the share of requests whose redacted prompt and output
/// the request log keeps, 0); <c>RefreshSeconds</c> (how often served aliases are resolved again, 2); and the limits on
/// callers: <c>RequestsPerMinute</c> (per bearer token, or per client IP without tokens; unset: no limit),
/// <c>MaxRequestBytes</c> (a body's size, 1 MiB) and <c>MaxPromptTokens</c> (a prompt's length; unset: the model's
/// context window). For monitoring: <c>MonitorSeconds</c> (how often the <c>pipelines_monitor_*</c> gauges are measured,
/// 60) over the last <c>MonitorWindowMinutes</c> (60).
/// </summary>
public sealed record ServingSettings
{
    public const long DefaultMaxRequestBytes = 1 << 20;

    public IReadOnlyList<string> Models { get; init; } = [];

    public int MaxBatchSize { get; init; } = 16;

    public int MaxWaiting { get; init; } = 64;

    /// <summary>The share of requests whose prompt and output (redacted) are kept in the request log, 0 to 1; 0 keeps none.</summary>
    public double SampleRate { get; init; }

    public TimeSpan Refresh { get; init; } = TimeSpan.FromSeconds(2);

    public int? RequestsPerMinute { get; init; }

    public long MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    public int? MaxPromptTokens { get; init; }

    public TimeSpan MonitorEvery { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan MonitorWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Reads the section, with <paramref name="extra"/> models (from the command line) added.</summary>
    public static ServingSettings Read(IConfiguration configuration, IEnumerable<string> extra)
    {
        var section = configuration.GetSection("Serving");
        var models = section.GetSection("Models").GetChildren().Select(c => c.Value).OfType<string>().Concat(extra).Distinct(StringComparer.Ordinal).ToList();
        var settings = new ServingSettings
        {
            Models = models,
            MaxBatchSize = section.GetValue("MaxBatchSize", 16),
            MaxWaiting = section.GetValue("MaxWaiting", 64),
            SampleRate = section.GetValue("SampleRate", 0.0),
            Refresh = TimeSpan.FromSeconds(section.GetValue("RefreshSeconds", 2.0)),
            RequestsPerMinute = section.GetValue<int?>("RequestsPerMinute"),
            MaxRequestBytes = section.GetValue("MaxRequestBytes", DefaultMaxRequestBytes),
            MaxPromptTokens = section.GetValue<int?>("MaxPromptTokens"),
            MonitorEvery = TimeSpan.FromSeconds(section.GetValue("MonitorSeconds", 60.0)),
            MonitorWindow = TimeSpan.FromMinutes(section.GetValue("MonitorWindowMinutes", 60.0)),
        };
        var problems = new List<string>();
        if (settings.MaxBatchSize < 1) problems.Add($"MaxBatchSize must be 1 or more, not {settings.MaxBatchSize}");
        if (settings.MaxWaiting < 0) problems.Add($"MaxWaiting must be 0 or more, not {settings.MaxWaiting}");
        if (settings.Refresh <= TimeSpan.Zero) problems.Add($"RefreshSeconds must be above 0, not {settings.Refresh.TotalSeconds}");
        if (settings.RequestsPerMinute < 1) problems.Add($"RequestsPerMinute must be 1 or more (or unset for no limit), not {settings.RequestsPerMinute}");
        if (settings.MaxRequestBytes < 1) problems.Add($"MaxRequestBytes must be 1 or more, not {settings.MaxRequestBytes}");
        if (settings.SampleRate is < 0 or > 1 || double.IsNaN(settings.SampleRate)) problems.Add($"SampleRate must be between 0 (keep no prompt or output) and 1, not {settings.SampleRate}");
        if (settings.MaxPromptTokens < 1) problems.Add($"MaxPromptTokens must be 1 or more (or unset for the context window), not {settings.MaxPromptTokens}");
        if (settings.MonitorEvery <= TimeSpan.Zero) problems.Add($"MonitorSeconds must be above 0, not {settings.MonitorEvery.TotalSeconds}");
        if (settings.MonitorWindow <= TimeSpan.Zero) problems.Add($"MonitorWindowMinutes must be above 0, not {settings.MonitorWindow.TotalMinutes}");
        if (problems.Count > 0) throw new Api.ApiConfigurationException($"Serving: {string.Join("; ", problems)}", "fix the Serving section");
        return settings;
    }
}
