namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>The four ROUGE types rouge_score computes for summaries, for one prediction or averaged over a corpus.</summary>
/// <param name="Rouge1">Unigram overlap.</param>
/// <param name="Rouge2">Bigram overlap.</param>
/// <param name="RougeL">Longest common subsequence of the whole texts.</param>
/// <param name="RougeLsum">Summary-level longest common subsequence over newline-separated sentences.</param>
public sealed record RougeScores(RougeScore Rouge1, RougeScore Rouge2, RougeScore RougeL, RougeScore RougeLsum)
{
    /// <summary>Each type with its rouge_score name: rouge1, rouge2, rougeL, rougeLsum.</summary>
    public IEnumerable<KeyValuePair<string, RougeScore>> ByName()
    {
        yield return new("rouge1", Rouge1);
        yield return new("rouge2", Rouge2);
        yield return new("rougeL", RougeL);
        yield return new("rougeLsum", RougeLsum);
    }
}
