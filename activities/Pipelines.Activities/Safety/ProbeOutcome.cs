namespace Pipelines.Activities.Safety;

/// <summary>The paired outputs of one probe, each with its own name replaced by <see cref="BiasMeasure.Placeholder"/>.</summary>
public sealed record ProbeOutcome(ProbePair Pair, string FemaleOutput, string MaleOutput, double Similarity)
{
    public bool Changed => !string.Equals(FemaleOutput, MaleOutput, StringComparison.Ordinal);
}
