namespace Pipelines.Activities.Safety;

public sealed record SafetyEvaluationOutputs
{
    [Port("Share of outputs flagged by each check: toxicity, pii_leak, ungrounded.")]
    public required SafetyRates Rates { get; init; }

    [Port("Share of outputs with each kind of personal data: url, email, credit_card, ip, phone.")]
    public required IReadOnlyDictionary<string, double> Pii { get; init; }

    [Port("Each word of the toxicity list found, with the number of outputs it was found in.")]
    public required IReadOnlyDictionary<string, int> ToxicWords { get; init; }

    [Port("Mean grounding score: the share of an output's content words found in its source (context or prompt); null when no output had content words.")]
    public double? Grounding { get; init; }

    [Port("The counterfactual bias probes; null when no model was given or bias_pairs is 0.")]
    public BiasSummary? Bias { get; init; }

    [Port("How many outputs were checked.")]
    public required int Samples { get; init; }

    [Port("A report artifact: report.md (rates, flagged examples, bias probes), outputs.jsonl (every output's checks) and probes.jsonl.")]
    public required string Report { get; init; }
}
