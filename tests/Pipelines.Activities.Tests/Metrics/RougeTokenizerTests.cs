using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Activities.Tests.Metrics;

public sealed class RougeTokenizerTests
{
    [Theory] // rouge/tokenize_test.py, rouge/tokenizers_test.py
    [InlineData("one Two three", new[] { "one", "two", "three" })]
    [InlineData("one\n Two \nthree", new[] { "one", "two", "three" })]
    [InlineData("this is a test", new[] { "this", "is", "a", "test" })]
    public void Lowercases_and_splits_on_everything_but_ascii_letters_and_digits(string text, string[] tokens)
    {
        Assert.Equal(tokens, RougeTokenizer.Tokenize(text));
    }

    [Fact] // rouge/tokenizers_test.py
    public void Stems_tokens_longer_than_three_characters()
    {
        Assert.Equal(["the", "friend", "had", "a", "meet"], RougeTokenizer.Tokenize("the friends had a meeting", stem: true));
    }

    [Fact]
    public void Punctuation_and_non_ascii_letters_separate_tokens_as_pythons_lower_and_regex_do()
    {
        // "İ" lowercases to "i" + U+0307 and the Kelvin sign to "k" in Python; every other non-ASCII character separates.
        Assert.Equal(["don", "t", "caf", "i", "stanbul", "3k", "x2"], RougeTokenizer.Tokenize("Don't café İstanbul 3\u212A x2"));
    }

    [Fact]
    public void Tokens_of_three_characters_or_fewer_are_not_stemmed()
    {
        // NLTK alone stems "was" to "wa"; rouge_score leaves it.
        Assert.Equal(["was", "tie", "run"], RougeTokenizer.Tokenize("was ties running", stem: true));
    }
}
