namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// A live window of prompts compared with a served version's <see cref="ReferenceProfile"/>: one
/// <see cref="FeatureDrift"/> per feature, with the plain differences a person reads next to them.
/// </summary>
public sealed record DriftReport
{
    /// <summary>How many prompts the window had.</summary>
    public required int Samples { get; init; }

    /// <summary>PSI of prompt length over the reference's decile bins.</summary>
    public required FeatureDrift PromptLength { get; init; }

    /// <summary>Wasserstein-1 distance of prompt length, in tokens (reported, not judged: its scale depends on the data).</summary>
    public required double PromptLengthWasserstein { get; init; }

    /// <summary>Jensen–Shannon divergence (bits) of the token distribution over the reference's top ids and "other".</summary>
    public required FeatureDrift TokenDistribution { get; init; }

    /// <summary>PSI of the share of tokens outside the reference's top ids (two buckets: in, out).</summary>
    public required FeatureDrift UnknownTokenRate { get; init; }

    /// <summary>The window's share of tokens outside the reference's top ids minus the reference's own.</summary>
    public required double UnknownTokenRateDifference { get; init; }

    /// <summary>PSI of the share of non-ASCII characters (two buckets: ASCII, not).</summary>
    public required FeatureDrift NonAsciiShare { get; init; }

    /// <summary>The window's share of non-ASCII characters minus the reference's.</summary>
    public required double NonAsciiShareDifference { get; init; }

    /// <summary>Every judged feature, in a fixed order.</summary>
    public IReadOnlyList<FeatureDrift> Features => [PromptLength, TokenDistribution, UnknownTokenRate, NonAsciiShare];

    /// <summary>The worst status of any feature.</summary>
    public DriftStatus Status => Features.Max(f => f.Status);
}
