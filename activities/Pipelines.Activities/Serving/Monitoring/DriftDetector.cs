namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>Compares a window of live prompts with the reference profile of the served version's training data.</summary>
public static class DriftDetector
{
    /// <summary>
    /// The drift of <paramref name="window"/> from <paramref name="reference"/>, counted exactly as the reference was.
    /// The window must hold at least one prompt with a token. Sampling noise alone gives PSI of about
    /// (bins − 1) · (1/window + 1/reference), so windows of a few hundred prompts or more keep it well below the
    /// warning threshold.
    /// </summary>
    public static DriftReport Compare(ReferenceProfile reference, IEnumerable<LiveSample> window)
    {
        var samples = window.ToList();
        if (samples.Count == 0 || samples.All(s => s.PromptIds.Length == 0))
            throw new ArgumentException("a drift window needs at least one prompt with at least one token", nameof(window));

        var tokens = reference.TokenSharesOf(samples);
        var nonAscii = ReferenceProfile.NonAsciiShareOf(samples);
        return new DriftReport
        {
            Samples = samples.Count,
            PromptLength = FeatureDrift.Psi("prompt_length", reference.PromptLengthShares, reference.LengthShares(samples)),
            PromptLengthWasserstein = Divergence.Wasserstein(reference.PromptLengthQuantiles,
                ReferenceProfile.Quantiles(samples.Select(s => s.PromptIds.Length).Order().ToList())),
            TokenDistribution = new FeatureDrift("token_distribution", "js", Divergence.JensenShannon(reference.TokenShares, tokens),
                DriftThresholds.JensenShannonWarn, DriftThresholds.JensenShannonDrift),
            UnknownTokenRate = FeatureDrift.RatePsi("unknown_token_rate", reference.UnknownTokenRate, tokens[^1]),
            UnknownTokenRateDifference = tokens[^1] - reference.UnknownTokenRate,
            NonAsciiShare = FeatureDrift.RatePsi("non_ascii_share", reference.NonAsciiShare, nonAscii),
            NonAsciiShareDifference = nonAscii - reference.NonAsciiShare,
        };
    }
}
