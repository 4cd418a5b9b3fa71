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
    /// Where character <paramref name="offset"/> of <see cref="Value"/> was written in the file (see
    /// <see cref="ScalarLocator"/>, which locates many offsets of one value in one pass).
    /// </summary>
    public SourceLocation LocationOf(int offset) => new ScalarLocator(this).Locate(offset);
}

public sealed record MappingEntry(ScalarNode Key, Node Value);

public sealed record MappingNode(IReadOnlyList<MappingEntry> Entries, SourceLocation Start, SourceLocation End)
    : Node(Start, End)
{
    public override string KindName => "a mapping";

    public Node? this[string key] => Entry(key)?.Value;

    /// <summary>The first entry under <paramref name="key"/>: a plain loop, as the loader asks this for every key of every step.</summary>
    public MappingEntry? Entry(string key)
    {
        for (var i = 0; i < Entries.Count; i++)
        {
            if (Entries[i].Key.Value == key) return Entries[i];
        }

        return null;
    }
}

public sealed record SequenceNode(IReadOnlyList<Node> Items, SourceLocation Start, SourceLocation End)
    : Node(Start, End)
{
    public override string KindName => "a list";
}
