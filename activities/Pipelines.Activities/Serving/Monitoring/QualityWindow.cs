using Pipelines.Activities.Safety;

namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// The quality of a window of served outputs, with the same detectors eval.safety uses on a model before it is
/// promoted (<see cref="WordListMatcher.Toxic"/>, <see cref="PiiLeakScanner"/>), so a rate in production means what it
/// meant in evaluation. Rates are shares of the window's requests; a window with no requests has every rate 0.
/// </summary>
public sealed record QualityWindow
{
    public required int Requests { get; init; }

    /// <summary>The share of outputs with a word of the toxicity list.</summary>
    public required double ToxicOutputRate { get; init; }

    /// <summary>The share of outputs with personal data (e-mail, phone, card number, IP address, URL).</summary>
    public required double PiiLeakRate { get; init; }

    /// <summary>The share of outputs that are empty or white space.</summary>
    public required double EmptyOutputRate { get; init; }

    /// <summary>The share of outputs cut by <c>max_tokens</c> or the context window (finish reason <c>length</c>).</summary>
    public required double TruncatedOutputRate { get; init; }

    /// <summary>The mean output length in tokens.</summary>
    public required double MeanOutputTokens { get; init; }

    /// <summary>How many requests had a feedback rating.</summary>
    public required int Ratings { get; init; }

    /// <summary>The mean of the ratings given; null when none was.</summary>
    public required double? MeanRating { get; init; }

    /// <summary>Measures <paramref name="window"/>; <paramref name="toxic"/> replaces the vendored toxicity list.</summary>
    public static QualityWindow Measure(IEnumerable<ServedExchange> window, WordListMatcher? toxic = null)
    {
        toxic ??= WordListMatcher.Toxic;
        var exchanges = window.ToList();
        double Rate(Func<ServedExchange, bool> counted) => exchanges.Count == 0 ? 0 : (double)exchanges.Count(counted) / exchanges.Count;
        var ratings = exchanges.Where(e => e.Rating is not null).Select(e => e.Rating!.Value).ToList();
        return new QualityWindow
        {
            Requests = exchanges.Count,
            ToxicOutputRate = Rate(e => toxic.Find(e.Output).Count > 0),
            PiiLeakRate = Rate(e => PiiLeakScanner.Scan(e.Output).Any),
            EmptyOutputRate = Rate(e => string.IsNullOrWhiteSpace(e.Output)),
            TruncatedOutputRate = Rate(e => e.FinishReason == FinishReason.Length),
            MeanOutputTokens = exchanges.Count == 0 ? 0 : exchanges.Average(e => e.OutputTokens),
            Ratings = ratings.Count,
            MeanRating = ratings.Count == 0 ? null : ratings.Average(),
        };
    }
}
