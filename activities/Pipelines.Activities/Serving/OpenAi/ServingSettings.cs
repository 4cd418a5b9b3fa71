using Microsoft.Extensions.Configuration;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// The <c>Serving</c> section: <c>Models</c> (registry references, <c>Serving__Models__0=email-subjects@production</c>, or
/// <c>serve --model</c>), <c>MaxBatchSize</c> (sequences decoding together, 16), <c>MaxWaiting</c> (requests queued
/// before a 429, 64) and <c>SampleRate</c> (the share of requests whose redacted prompt and output the request log
/// keeps, 0), for every served model.
/// </summary>
public sealed record ServingSettings
{
    public IReadOnlyList<string> Models { get; init; } = [];

    public int MaxBatchSize { get; init; } = 16;

    public int MaxWaiting { get; init; } = 64;

    /// <summary>The share of requests whose prompt and output (redacted) are kept in the request log, 0 to 1; 0 keeps none.</summary>
    public double SampleRate { get; init; }

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
        };
        if (settings.SampleRate is < 0 or > 1 || double.IsNaN(settings.SampleRate))
            throw new Api.ApiConfigurationException($"Serving:SampleRate ({settings.SampleRate}) must be between 0 and 1", "0 keeps no prompt or output; 0.1 keeps one request in ten, redacted");
        if (settings.MaxBatchSize < 1 || settings.MaxWaiting < 0)
            throw new Api.ApiConfigurationException($"Serving: MaxBatchSize ({settings.MaxBatchSize}) must be 1 or more and MaxWaiting ({settings.MaxWaiting}) 0 or more", "fix the Serving section");
        return settings;
    }
}
