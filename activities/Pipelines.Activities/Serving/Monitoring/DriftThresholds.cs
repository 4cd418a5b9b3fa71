namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// Where each statistic of a <see cref="DriftReport"/> turns from ok to warn and from warn to drift, with where the
/// numbers come from.
/// </summary>
public static class DriftThresholds
{
    /// <summary>
    /// PSI below 0.1 is stable, 0.1–0.25 a moderate shift, above 0.25 a significant one: the rule of thumb of credit
    /// scoring (Siddiqi, <i>Credit Risk Scorecards</i>, 2006), where PSI comes from.
    /// </summary>
    public const double PsiWarn = 0.1;

    /// <inheritdoc cref="PsiWarn"/>
    public const double PsiDrift = 0.25;

    /// <summary>
    /// Jensen–Shannon divergence (bits) 0.02 warns, 0.05 is drift: the PSI rule carried over. For small shifts both are
    /// driven by the same χ² sum Σ (p − q)² / p: PSI ≈ χ² and JS ≈ χ² / (8 ln 2), so PSI 0.1 and 0.25 correspond to JS
    /// 0.018 and 0.045, rounded here.
    /// </summary>
    public const double JensenShannonWarn = 0.02;

    /// <inheritdoc cref="JensenShannonWarn"/>
    public const double JensenShannonDrift = 0.05;

    /// <summary>The status of a statistic that grows with the shift, against its two thresholds.</summary>
    public static DriftStatus Judge(double value, double warn, double drift) =>
        value >= drift ? DriftStatus.Drift : value >= warn ? DriftStatus.Warn : DriftStatus.Ok;
}
