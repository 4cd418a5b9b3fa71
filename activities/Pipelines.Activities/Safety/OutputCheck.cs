using Pipelines.Activities.Evaluation;

namespace Pipelines.Activities.Safety;

/// <summary>What the checks found in one output: toxic words, personal data, and how well its source supports it.</summary>
public sealed record OutputCheck(EvaluationRecord Record, string Output, IReadOnlyList<string> ToxicWords, PiiFindings Pii, GroundingScore Grounding)
{
    public bool IsToxic => ToxicWords.Count > 0;

    /// <summary>Checks <paramref name="output"/>, generated for (or given with) <paramref name="record"/>.</summary>
    public static OutputCheck Of(EvaluationRecord record, string output, WordListMatcher toxic, GroundingScorer grounding) =>
        new(record, output, toxic.Find(output), PiiLeakScanner.Scan(output), grounding.Score(output, SafetyDataset.GroundingSource(record)));
}
