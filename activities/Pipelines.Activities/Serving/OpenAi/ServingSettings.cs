using Microsoft.Extensions.Configuration;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// The <c>Serving</c> section: <c>Models</c> (registry references, <c>Serving__Models__0=email-subjects@production</c>, or
/// <c>serve --model</c>), <c>MaxBatchSize</c> (sequences decoding together, 16) and <c>MaxWaiting</c> (requests queued
/// before a 429, 64), for every served model.
/// </summary>
public sealed record ServingSettings
{
    public IReadOnlyList<string> Models { get; init; } = [];

    public int MaxBatchSize { get; init; } = 16;

    public int MaxWaiting { get; init; } = 64;

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
        };
        if (settings.MaxBatchSize < 1 || settings.MaxWaiting < 0)
            throw new Api.ApiConfigurationException($"Serving: MaxBatchSize ({settings.MaxBatchSize}) must be 1 or more and MaxWaiting ({settings.MaxWaiting}) 0 or more", "fix the Serving section");
        return settings;
    }
}
