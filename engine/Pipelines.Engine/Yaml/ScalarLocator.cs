using Pipelines.Diagnostics;

namespace Pipelines.Yaml;

/// <summary>
/// Finds where a character of a scalar's value was written in the file. The text after the offset (up to the end of its
/// line, at most 16 characters) is found in <see cref="ScalarNode.Raw"/> at the same occurrence count, which is exact
/// whatever the style: plain, quoted with escapes, literal or folded blocks.
/// </summary>
/// <remarks>
/// One locator serves every expression of one value. Each answer is kept as an anchor — this offset of the value is
/// that offset of the raw text, on that line — and the next lookup counts occurrences from the nearest anchor before
/// it rather than from the start. A 1 MiB value holding 60,000 expressions is so located in about one pass over it;
/// counting from the start each time took minutes.
/// </remarks>
public sealed class ScalarLocator(ScalarNode scalar)
{
    /// <summary>Value offset <c>Value</c> is raw offset <c>Raw</c>, on line <c>Line</c> (0 = the scalar's first) that starts at raw offset <c>LineStart</c>.</summary>
    private readonly record struct Anchor(int Value, int Raw, int Line, int LineStart);

    // The start of both texts: occurrences are counted from there, as if there were no anchor.
    private readonly List<Anchor> _anchors = [new(0, 0, 0, 0)];

    public SourceLocation Locate(int offset)
    {
        var value = scalar.Value;
        var raw = scalar.Raw;
        offset = Math.Clamp(offset, 0, value.Length);
        if (raw is null || offset == 0 && value.Length == 0)
        {
            return scalar.Start;
        }

        var lineEnd = value.IndexOf('\n', offset);
        var needle = value.AsSpan(offset, (lineEnd < 0 ? value.Length : lineEnd) - offset);
        if (needle.Length > 16) needle = needle[..16];
        if (needle.IsEmpty)
        {
            return scalar.Start;
        }

        var index = Before(offset);
        var anchor = _anchors[index];
        // Every occurrence that starts before the offset, including one that runs across it.
        var occurrence = Count(value.AsSpan(anchor.Value, Math.Min(value.Length, offset + needle.Length - 1) - anchor.Value), needle);
        var at = anchor.Raw - 1;
        for (var i = 0; i <= occurrence; i++)
        {
            var next = raw.AsSpan(at + 1).IndexOf(needle, StringComparison.Ordinal);
            if (next < 0) return scalar.Start; // escapes inside the needle: the start of the scalar is the best we know
            at += 1 + next;
        }

        var line = anchor.Line;
        var lineStart = anchor.LineStart;
        LineBreaks.Advance(raw, anchor.Raw, at, ref line, ref lineStart);
        _anchors.Insert(index + 1, new Anchor(offset, at, line, lineStart));
        return line == 0
            ? scalar.Start with { Column = scalar.Start.Column + at }
            : scalar.Start with { Line = scalar.Start.Line + line, Column = at - lineStart + 1 };
    }

    /// <summary>The index of the last anchor at or before <paramref name="offset"/> (lookups mostly come in order: usually the last).</summary>
    private int Before(int offset)
    {
        if (_anchors[^1].Value <= offset) return _anchors.Count - 1;
        var (low, high) = (0, _anchors.Count - 1);
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_anchors[middle].Value <= offset) low = middle;
            else high = middle - 1;
        }

        return low;
    }

    private static int Count(ReadOnlySpan<char> text, ReadOnlySpan<char> needle)
    {
        var count = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0;)
        {
            count++;
            var next = text[(i + 1)..].IndexOf(needle, StringComparison.Ordinal);
            i = next < 0 ? -1 : i + 1 + next;
        }

        return count;
    }
}
