using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Activities.Tests.Metrics;

public sealed class NGramVocabularyTests
{
    [Theory]
    [InlineData(50)] // packed keys: 6 bits a token
    [InlineData(3000)] // too many distinct tokens to pack six into 64 bits: numbered keys
    public void Equal_ngrams_and_only_they_share_a_key(int distinct)
    {
        var forward = Enumerable.Range(0, distinct).ToArray();
        var backward = forward.Reverse().ToArray();
        int[] repeated = [.. forward, .. forward];

        var ngrams = new NGramVocabulary().SortedNGrams([forward, backward, repeated], 6);

        Assert.Equal(distinct, NGramVocabulary.CountCommon(ngrams[0][0], ngrams[1][0]));
        Assert.Equal(0, NGramVocabulary.CountCommon(ngrams[0][1], ngrams[1][1]));
        Assert.Equal(distinct - 5, NGramVocabulary.CountCommon(ngrams[0][5], ngrams[2][5]));
        Assert.Equal(2 * distinct - 5, ngrams[2][5].Length);
    }
}
