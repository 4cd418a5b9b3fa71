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

    /// <summary>For a block scalar (<c>|</c> or <c>&gt;</c>): where its first content line starts.</summary>
    public SourceLocation? BlockContent { get; init; }

    /// <summary>
    /// Where character <paramref name="offset"/> of <see cref="Value"/> sits in the file. Exact for plain and quoted
    /// scalars on one line and for literal block scalars; for folded or multi-line flow scalars, the nearest line start.
    /// </summary>
    public SourceLocation LocationOf(int offset)
    {
        offset = Math.Clamp(offset, 0, Value.Length);
        var line = Value.AsSpan(0, offset).Count('\n');
        var lineStart = Value.LastIndexOf('\n', Math.Max(0, offset - 1)) is var nl && nl >= 0 && nl < offset ? nl + 1 : 0;
        if (BlockContent is { } content)
        {
            return content with { Line = content.Line + line, Column = content.Column + offset - lineStart };
        }

        var quoteWidth = IsPlain ? 0 : 1;
        if (line == 0)
        {
            return Start with { Column = Start.Column + quoteWidth + offset };
        }

        return Start with { Line = Math.Min(Start.Line + line, End.Line), Column = Start.Column };
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
