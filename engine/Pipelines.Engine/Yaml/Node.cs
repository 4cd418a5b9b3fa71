using Pipelines.Diagnostics;

namespace Pipelines.Yaml;

/// <summary>A YAML node that remembers where it came from, so every error can name its line and column.</summary>
public abstract record Node(SourceLocation Start, SourceLocation End)
{
    public abstract string KindName { get; }
}

public sealed record ScalarNode(string Value, bool IsPlain, SourceLocation Start, SourceLocation End)
    : Node(Start, End)
{
    public override string KindName => "a scalar";

    /// <summary>
    /// The scalar as written in the file (quotes, escapes, folding and all), kept for scalars holding expressions so
    /// that a position in <see cref="Value"/> can be traced back to its line and column.
    /// </summary>
    public string? Raw { get; init; }

    /// <summary>
    /// Where character <paramref name="offset"/> of <see cref="Value"/> was written in the file. The text after the
    /// offset (up to the end of its line, at most 16 characters) is found in <see cref="Raw"/> at the same occurrence
    /// count, which is exact whatever the style: plain, quoted with escapes, literal or folded blocks.
    /// </summary>
    public SourceLocation LocationOf(int offset)
    {
        offset = Math.Clamp(offset, 0, Value.Length);
        if (Raw is null || offset == 0 && Value.Length == 0)
        {
            return Start;
        }

        var lineEnd = Value.IndexOf('\n', offset);
        var needle = Value[offset..(lineEnd < 0 ? Value.Length : lineEnd)];
        if (needle.Length > 16) needle = needle[..16];
        if (needle.Length == 0)
        {
            return Start;
        }

        var occurrence = Count(Value.AsSpan(0, offset), needle);
        var at = -1;
        for (var i = 0; i <= occurrence; i++)
        {
            at = Raw.IndexOf(needle, at + 1, StringComparison.Ordinal);
            if (at < 0) return Start; // escapes inside the needle: the start of the scalar is the best we know
        }

        var (line, column) = LineBreaks.Position(Raw, at);
        return line == 1 ? Start with { Column = Start.Column + at } : Start with { Line = Start.Line + line - 1, Column = column };
    }

    private static int Count(ReadOnlySpan<char> text, string needle)
    {
        var count = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = NextIndex(text, needle, i))
        {
            count++;
        }

        return count;
    }

    private static int NextIndex(ReadOnlySpan<char> text, string needle, int from)
    {
        var next = text[(from + 1)..].IndexOf(needle, StringComparison.Ordinal);
        return next < 0 ? -1 : from + 1 + next;
    }
}

public sealed record MappingEntry(ScalarNode Key, Node Value);

public sealed record MappingNode(IReadOnlyList<MappingEntry> Entries, SourceLocation Start, SourceLocation End)
    : Node(Start, End)
{
    public override string KindName => "a mapping";

    public Node? this[string key] => Entries.FirstOrDefault(e => e.Key.Value == key)?.Value;

    public MappingEntry? Entry(string key) => Entries.FirstOrDefault(e => e.Key.Value == key);
}

public sealed record SequenceNode(IReadOnlyList<Node> Items, SourceLocation Start, SourceLocation End)
    : Node(Start, End)
{
    public override string KindName => "a list";
}
