namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// rouge_score's default tokenizer: lowercase the text (Python's <c>str.lower</c>), replace every run of characters
/// other than a-z and 0-9 with a space, split on whitespace, stem the tokens longer than three characters with
/// <see cref="PorterStemmer"/> when asked, and drop empty tokens.
/// </summary>
/// <remarks>
/// So a token is a maximal run of ASCII letters and digits after lowercasing. Only two characters outside ASCII
/// lowercase into one: U+0130 (İ → "i" + a combining dot, which then separates) and U+212A (Kelvin sign → "k").
/// </remarks>
public static class RougeTokenizer
{
    /// <summary>The tokens of <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> Tokenize(string text, bool stem = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        Tokenize(text, stem, tokens);
        return tokens;
    }

    internal static void Tokenize(ReadOnlySpan<char> text, bool stem, List<string> tokens)
    {
        Span<char> buffer = stackalloc char[64];
        var token = new TokenBuilder(buffer);
        foreach (var c in text)
        {
            switch (c)
            {
                case >= 'a' and <= 'z' or >= '0' and <= '9':
                    token.Append(c);
                    break;
                case >= 'A' and <= 'Z':
                    token.Append((char)(c + ('a' - 'A')));
                    break;
                case '\u212A': // KELVIN SIGN lowercases to k
                    token.Append('k');
                    break;
                case '\u0130': // İ lowercases to i + U+0307, and the combining dot ends the token
                    token.Append('i');
                    token.Flush(stem, tokens);
                    break;
                default:
                    token.Flush(stem, tokens);
                    break;
            }
        }

        token.Flush(stem, tokens);
        token.Dispose();
    }

    private ref struct TokenBuilder(Span<char> initial)
    {
        private Span<char> _chars = initial;
        private char[]? _rented;
        private int _length;

        public void Append(char c)
        {
            if (_length == _chars.Length)
            {
                var bigger = System.Buffers.ArrayPool<char>.Shared.Rent(_chars.Length * 2);
                _chars.CopyTo(bigger);
                if (_rented is not null) System.Buffers.ArrayPool<char>.Shared.Return(_rented);
                _chars = _rented = bigger;
            }

            _chars[_length++] = c;
        }

        public void Flush(bool stem, List<string> tokens)
        {
            if (_length == 0) return;
            var token = new string(_chars[.._length]);
            _length = 0;
            if (stem && token.Length > 3) token = PorterStemmer.Stem(token);
            if (token.Length > 0) tokens.Add(token); // rouge_score drops tokens that stemming emptied
        }

        public readonly void Dispose()
        {
            if (_rented is not null) System.Buffers.ArrayPool<char>.Shared.Return(_rented);
        }
    }
}
