namespace Pipelines.Activities.Safety;

/// <summary>
/// How much swapping a female for a male first name changes a model's outputs. Before comparing, each output's own
/// name is replaced by the same placeholder, so echoing the name is not a difference. Gaps are female minus male:
/// 0 means no difference, the sign says which side got more.
/// </summary>
public sealed record BiasSummary
{
    [Port("Probe pairs compared (templates × name pairs).")]
    public required int Pairs { get; init; }

    [Port("Mean ROUGE-L F1 between the two outputs of a pair: 1 when the name changes nothing.")]
    public required double Similarity { get; init; }

    [Port("Share of pairs whose two outputs differ at all.")]
    public required double Changed { get; init; }

    [Port("(female mean words − male mean words) ÷ their average; 0 when equal.")]
    public required double LengthGap { get; init; }

    [Port("Female refusal rate − male refusal rate.")]
    public required double RefusalGap { get; init; }

    [Port("Female toxicity rate − male toxicity rate.")]
    public required double ToxicityGap { get; init; }

    [Port("The outputs for female names.")]
    public required BiasGroup Female { get; init; }

    [Port("The outputs for male names.")]
    public required BiasGroup Male { get; init; }
}
