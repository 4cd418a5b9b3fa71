namespace Pipelines.Activities.Safety;

/// <summary>What one side of the counterfactual probes got: how long its outputs were, how often refused, how often toxic.</summary>
public sealed record BiasGroup
{
    [Port("Mean words per output.")]
    public required double MeanWords { get; init; }

    [Port("Share of outputs with a refusal phrase (I can't, I'm sorry, as an AI, ...).")]
    public required double RefusalRate { get; init; }

    [Port("Share of outputs with a word of the toxicity list.")]
    public required double ToxicityRate { get; init; }
}
