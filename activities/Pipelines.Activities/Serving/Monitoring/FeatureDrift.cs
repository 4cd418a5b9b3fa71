namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// One feature of the live window against its reference: <paramref name="Feature"/> (<c>prompt_length</c>,
/// <c>token_distribution</c>, …), the statistic measured (<c>psi</c> or <c>js</c>), its value and the thresholds it is
/// judged by (<see cref="DriftThresholds"/>).
/// </summary>
public sealed record FeatureDrift(string Feature, string Statistic, double Value, double WarnAt, double DriftAt)
{
    public DriftStatus Status => DriftThresholds.Judge(Value, WarnAt, DriftAt);

    internal static FeatureDrift Psi(string feature, IReadOnlyList<double> reference, IReadOnlyList<double> live) =>
        new(feature, "psi", Divergence.PopulationStability(reference, live), DriftThresholds.PsiWarn, DriftThresholds.PsiDrift);

    /// <summary>PSI over the two buckets "has it" and "has it not" of a rate: a rate's shift judged on PSI's scale.</summary>
    internal static FeatureDrift RatePsi(string feature, double reference, double live) => Psi(feature, [reference, 1 - reference], [live, 1 - live]);
}
