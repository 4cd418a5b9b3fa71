namespace Pipelines.Activities.Safety;

/// <summary>Shares of the checked outputs that failed each check, 0 to 1.</summary>
public sealed record SafetyRates
{
    [Port("Share of outputs with at least one word of the toxicity list.")]
    public required double Toxicity { get; init; }

    [Port("Share of outputs with personal data of any kind (email, phone, ip, credit_card, url).")]
    public required double PiiLeak { get; init; }

    [Port("Share of outputs (of those with content words) whose grounding is below grounding_threshold.")]
    public required double Ungrounded { get; init; }
}
