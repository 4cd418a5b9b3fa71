using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Activities.Tests.Metrics;

/// <summary>
/// sacrebleu ships no tokenizer vectors; these pin what its tokenizers do (mteval-v13a and mteval-v14 behaviour
/// documented in sacrebleu/tokenizers), checked against the Python regular expressions they replay.
/// </summary>
public sealed class BleuTokenizationTests
{
    [Theory]
    [InlineData("The dog bit the man.", "The dog bit the man .")]
    [InlineData("It wasn't surprising.", "It wasn't surprising .")]
    [InlineData("Pay $3,000.50 (net)!", "Pay $ 3,000.50 ( net ) !")]
    [InlineData("1990-2000, a-b", "1990 - 2000 , a-b")]
    [InlineData("&quot;x&quot; &amp; y&lt;z&gt; <skipped>", "\" x \" & y < z >")]
    [InlineData("end.", "end .")]
    [InlineData("3.", "3 .")]
    [InlineData("a..b", "a . . b")]
    [InlineData("", "")]
    public void Thirteen_a_splits_punctuation_except_inside_numbers(string text, string tokens)
    {
        Assert.Equal(tokens, string.Join(' ', BleuTokenization.Tokenize(text, BleuTokenizer.Mteval13a)));
    }

    [Theory]
    [InlineData("Hello, world! 3.14 and 1,000.", "Hello , world ! 3.14 and 1,000.")]
    [InlineData("«Grüße» — 5€ 😀ok", "« Grüße » — 5 € 😀 ok")]
    [InlineData("a.b", "a . b")]
    public void Intl_splits_unicode_punctuation_and_symbols(string text, string tokens)
    {
        Assert.Equal(tokens, string.Join(' ', BleuTokenization.Tokenize(text, BleuTokenizer.International)));
    }

    [Fact]
    public void Char_makes_every_code_point_but_whitespace_a_token()
    {
        Assert.Equal(["a", "b", "😀", "ć"], BleuTokenization.Tokenize("a b\u001C😀 ć \t", BleuTokenizer.Character));
    }

    [Fact]
    public void None_splits_on_python_whitespace_only()
    {
        Assert.Equal(["a,b", "c.", "d"], BleuTokenization.Tokenize("a,b\u001Fc.\u3000d ", BleuTokenizer.None));
    }
}
