using System.Text;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// The text a tokenizer is learned from (<c>model.init</c>'s <c>corpus</c>, <c>model init --corpus</c>): a JSONL
/// dataset as the training activities read it (<c>{"text"}</c> or <c>{"prompt", "completion"}</c> per line, such as
/// data.curate's splits), or a plain text file. At most <see cref="MaxCharacters"/> are read, whole records first:
/// learning takes seconds up to there, and a few MB hold every frequent pair of a corpus's words.
/// </summary>
public static class TokenizerCorpus
{
    public const int MaxCharacters = 4_000_000;

    /// <summary>What was read: the text, how many records (lines of a text file: 0), and whether the file had more.</summary>
    public sealed record Sample(string Text, int Records, bool Truncated)
    {
        public string Describe(string path) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{(Records > 0 ? $"{Records:N0} records" : "text")} of {path} ({Text.Length / 1e6:0.0} M characters{(Truncated ? $"; the first {MaxCharacters / 1e6:0} M only" : "")})");
    }

    /// <summary>Reads <paramref name="path"/>: JSONL when its first non-blank character is <c>{</c>, else plain text.</summary>
    /// <exception cref="InvalidDataException">
    /// Not a file, a JSONL line that is not a record, or no text at all; the message starts with <paramref name="input"/>.
    /// </exception>
    public static Sample Read(string path, string input)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{input}: {path} is not a file; give a JSONL dataset ({{text}} or {{prompt, completion}} per line) or a text file");
        try
        {
            var sample = IsJsonl(path) ? Records(path) : PlainText(path);
            return sample.Text.Length > 0 ? sample : throw new InvalidDataException($"{path} has no text to learn a tokenizer from");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{input}: {e.Message}", e);
        }
    }

    private static Sample Records(string path)
    {
        var text = new StringBuilder();
        var records = 0;
        foreach (var (prompt, completion, _) in TrainingData.Records(path))
        {
            var length = (prompt is null ? 0 : prompt.Length + 1) + completion.Length + 1;
            var full = text.Length + length > MaxCharacters;
            if (full && records > 0) return new Sample(text.ToString(), records, Truncated: true);
            if (prompt is not null) text.Append(prompt).Append('\n');
            text.Append(completion).Append('\n');
            records++;
            if (full) return new Sample(text.ToString(0, MaxCharacters), records, Truncated: true); // one record longer than the cap
        }

        return new Sample(text.ToString(), records, Truncated: false);
    }

    private static Sample PlainText(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var buffer = new char[MaxCharacters];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new Sample(new string(buffer, 0, read), 0, Truncated: reader.Peek() >= 0);
    }

    private static bool IsJsonl(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        int c;
        while ((c = reader.Read()) >= 0 && char.IsWhiteSpace((char)c))
        {
        }

        return c == '{';
    }
}
