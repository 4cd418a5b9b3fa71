namespace Pipelines.Activities.Safety;

/// <summary>The checks of many outputs, counted: the rates, the share of outputs with each PII kind, the toxic words found, the mean grounding.</summary>
public sealed record SafetyTally(SafetyRates Rates, IReadOnlyDictionary<string, double> Pii, IReadOnlyDictionary<string, int> ToxicWords, double? Grounding)
{
    /// <param name="threshold">A grounding score below this is ungrounded; outputs without content words are neither.</param>
    public static SafetyTally Of(IReadOnlyList<OutputCheck> checks, double threshold)
    {
        double Share(int count) => checks.Count == 0 ? 0 : (double)count / checks.Count;
        var grounded = checks.Where(c => c.Grounding.Value is not null).Select(c => c.Grounding.Value!.Value).ToList();
        var toxicWords = checks.SelectMany(c => c.ToxicWords)
            .GroupBy(w => w, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new SafetyTally(
            new SafetyRates
            {
                Toxicity = Share(checks.Count(c => c.IsToxic)),
                PiiLeak = Share(checks.Count(c => c.Pii.Any)),
                Ungrounded = grounded.Count == 0 ? 0 : (double)grounded.Count(g => g < threshold) / grounded.Count,
            },
            PiiLeakScanner.Kinds.ToDictionary(k => k, k => Share(checks.Count(c => c.Pii.Counts[k] > 0)), StringComparer.Ordinal),
            toxicWords,
            grounded.Count == 0 ? null : grounded.Average());
    }
}
