using Pipelines.Activities.Models;

namespace Pipelines.Activities.Serving;

/// <summary>
/// A completion's text as its tokens arrive, streamed in deltas that never split a character nor show a stop string.
/// Byte-level tokens may end inside a multi-byte UTF-8 character: those tokens wait (decoding them alone gives U+FFFD)
/// until a later one completes the character. Text that could begin a stop string waits until it cannot.
/// </summary>
internal sealed class CompletionText(TextTokenizer tokenizer, IReadOnlyList<string> stops)
{
    private const char Replacement = '\uFFFD';
    private readonly List<int> _undecoded = [];
    private string _text = "";
    private int _streamed;

    /// <summary>The whole text so far, cut before a stop string once one appeared.</summary>
    public string Text => _text;

    /// <summary>Whether a stop string appeared: the completion ends.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds a token; returns the text that may stream now (nothing once stopped).</summary>
    public string Add(int token)
    {
        if (Stopped) return "";
        _undecoded.Add(token);
        var decoded = tokenizer.Decode(_undecoded);
        if (decoded.EndsWith(Replacement)) return "";
        _undecoded.Clear();
        var searchFrom = Math.Max(0, _text.Length - stops.Select(s => s.Length).DefaultIfEmpty(0).Max());
        _text += decoded;
        var stop = stops.Select(s => _text.IndexOf(s, searchFrom, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        if (stop >= 0)
        {
            Stopped = true;
            _text = _text[..stop];
            return Stream(_text.Length);
        }

        return Stream(_text.Length - HeldBack());
    }

    /// <summary>What is left to stream when the completion ends for another reason: held text and any incomplete character.</summary>
    public string Flush()
    {
        if (!Stopped && _undecoded.Count > 0) _text += tokenizer.Decode(_undecoded);
        _undecoded.Clear();
        return Stream(_text.Length);
    }

    /// <summary>The longest end of the text that begins a stop string.</summary>
    private int HeldBack()
    {
        var longest = 0;
        foreach (var stop in stops)
        {
            for (var length = Math.Min(stop.Length - 1, _text.Length); length > longest; length--)
            {
                if (_text.AsSpan(_text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        return longest;
    }

    private string Stream(int upTo)
    {
        var delta = upTo > _streamed ? _text[_streamed..upTo] : "";
        _streamed = Math.Max(_streamed, upTo);
        return delta;
    }
}
