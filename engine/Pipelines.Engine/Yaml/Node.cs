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
    /// Where character <paramref name="offset"/> of <see cref="Value"/> sits in the file. Exact for plain and
    /// quoted scalars on one line; for folded or multi-line scalars it counts lines and falls back to the start.
    /// </summary>
    public SourceLocation LocationOf(int offset)
    {
        offset = Math.Clamp(offset, 0, Value.Length);
        var quoteWidth = IsPlain ? 0 : 1;
        if (Start.Line == End.Line)
        {
            return Start with { Column = Start.Column + quoteWidth + offset };
        }

        var line = Value.AsSpan(0, offset).Count('\n');
        return line == 0 ? Start with { Column = Start.Column + quoteWidth + offset } : Start with { Line = Start.Line + line, Column = Start.Column };
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
