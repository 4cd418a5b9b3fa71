using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("a\r\nb\rc\nd", "a\nb\nc\nd")]
    [InlineData("\n\n  \nfirst  \t\n\n\n\nsecond\n\n", "first\n\nsecond")]
    [InlineData("no\u00a0break\u200b zero\u0007width", "no break zerowidth")]
    [InlineData("    indented code\n\tand a tab", "    indented code\n\tand a tab")]
    [InlineData("", "")]
    [InlineData("\r\n\r\n", "")]
    public void Text_has_one_normal_form(string text, string expected)
    {
        Assert.Equal(expected, TextNormalizer.Normalize(text));
    }

    [Fact]
    public void A_lone_surrogate_half_becomes_a_replacement_character()
    {
        // Not in InlineData: attribute strings are stored as UTF-8, which cannot hold a lone half.
        Assert.Equal("lone \ufffd half, pair \ud83d\ude00", TextNormalizer.Normalize("lone \ud800 half, pair \ud83d\ude00"));
    }

    [Fact]
    public void One_line_collapses_every_run_of_whitespace()
    {
        Assert.Equal("Re: a long subject", TextNormalizer.OneLine("  Re: a long\r\n\tsubject \n"));
    }

    [Theory]
    [InlineData("Hello {name}!", "Hello Ada!")]
    [InlineData("{{literal}} {name}", "{literal} Ada")]
    public void Templates_render_fields_and_escaped_braces(string template, string expected)
    {
        var parsed = PromptTemplate.Parse(template, out var error);

        Assert.Null(error);
        Assert.Equal(expected, parsed!.Render(new Dictionary<string, string> { ["name"] = "Ada" }, out _));
    }

    [Fact]
    public void A_missing_field_is_named()
    {
        Assert.Null(PromptTemplate.Parse("{a} {b}", out _)!.Render(new Dictionary<string, string> { ["a"] = "x" }, out var missing));
        Assert.Equal("b", missing);
    }
}
