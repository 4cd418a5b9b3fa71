using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Activities.Tests.Metrics;

public sealed class PorterStemmerTests
{
    [Fact] // nltk/test/stem.doctest: "Test the stemmer on various pluralised words"
    public void Stems_nltks_doctest_words_as_nltk_does()
    {
        string[] plurals =
        [
            "caresses", "flies", "dies", "mules", "denied", "died", "agreed", "owned", "humbled", "sized", "meeting", "stating",
            "siezing", "itemization", "sensational", "traditional", "reference", "colonizer", "plotted",
        ];
        string[] stems =
        [
            "caress", "fli", "die", "mule", "deni", "die", "agre", "own", "humbl", "size", "meet", "state",
            "siez", "item", "sensat", "tradit", "refer", "colon", "plot",
        ];
        Assert.Equal(stems, plurals.Select(PorterStemmer.Stem));
    }

    [Fact] // nltk/test/unit/test_stem.py test_oed_bug
    public void Stems_oed_without_failing()
    {
        Assert.Equal("o", PorterStemmer.Stem("oed"));
    }

    [Theory] // NLTK 3.8's PorterStemmer().stem(word), NLTK_EXTENSIONS mode
    [InlineData("sky", "sky")]
    [InlineData("skies", "sky")]
    [InlineData("dying", "die")]
    [InlineData("news", "news")]
    [InlineData("innings", "inning")]
    [InlineData("proceed", "proceed")]
    [InlineData("ies", "i")]
    [InlineData("ties", "tie")]
    [InlineData("was", "wa")]
    [InlineData("spied", "spi")]
    [InlineData("enjoy", "enjoy")]
    [InlineData("happy", "happi")]
    [InlineData("generously", "gener")]
    [InlineData("radically", "radic")]
    [InlineData("hopefully", "hope")]
    [InlineData("geology", "geolog")]
    [InlineData("electrical", "electr")]
    [InlineData("adoption", "adopt")]
    [InlineData("replacement", "replac")]
    [InlineData("controlling", "control")]
    [InlineData("filing", "file")]
    [InlineData("falling", "fall")]
    [InlineData("hopping", "hop")]
    [InlineData("conflated", "conflat")]
    [InlineData("a", "a")]
    [InlineData("is", "is")]
    public void Stems_as_nltk_extensions_mode(string word, string stem)
    {
        Assert.Equal(stem, PorterStemmer.Stem(word));
    }
}
