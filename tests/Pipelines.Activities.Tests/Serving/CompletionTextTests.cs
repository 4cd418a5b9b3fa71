using Pipelines.Activities.Models;
using Pipelines.Activities.Serving;

namespace Pipelines.Activities.Tests.Serving;

/// <summary>Streamed text deltas never split a UTF-8 character across byte-level tokens and never show a stop string.</summary>
public sealed class CompletionTextTests
{
    private readonly TextTokenizer _tokenizer = ModelPresets.Create("llama", "tiny").Tokenizer;

    [Fact]
    public void Deltas_hold_a_character_split_over_tokens_until_it_is_whole()
    {
        const string text = "naïve café — 日本語 ✓ ok";
        var ids = _tokenizer.Encode(text);
        var completion = new CompletionText(_tokenizer, []);

        var deltas = ids.Select(completion.Add).ToList();

        Assert.Equal(text, string.Concat(deltas) + completion.Flush());
        Assert.DoesNotContain(deltas, d => d.Contains('\uFFFD'));
        Assert.Contains("", deltas);
    }

    [Fact]
    public void Text_that_may_begin_a_stop_string_waits_and_the_stop_string_never_streams()
    {
        var completion = new CompletionText(_tokenizer, ["END"]);

        var deltas = _tokenizer.Encode("abc EN ENDxyz").Select(completion.Add).ToList();

        Assert.True(completion.Stopped);
        Assert.Equal("abc EN ", string.Concat(deltas));
        Assert.Equal("abc EN ", completion.Text);
        Assert.Equal("", completion.Flush());
    }

    [Fact]
    public void Held_text_streams_when_the_completion_ends_for_another_reason()
    {
        var completion = new CompletionText(_tokenizer, ["END"]);

        var deltas = _tokenizer.Encode("abc EN").Select(completion.Add).ToList();

        Assert.False(completion.Stopped);
        Assert.Equal("abc ", string.Concat(deltas));
        Assert.Equal("EN", completion.Flush());
    }
}
