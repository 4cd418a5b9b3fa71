using System.Text;
using DiffPlex;
using DiffPlex.Chunkers;
using DiffPlex.Model;

namespace Pipelines.Persistence;

/// <summary>Unified diffs between two versions of a definition, in the format of <c>diff -u</c> and <c>git diff</c>.</summary>
public static class DefinitionDiff
{
    private const int ContextLines = 3;

    /// <summary>
    /// The unified diff from <paramref name="a"/> to <paramref name="b"/> with 3 lines of context, headed
    /// <c>--- name@1</c> / <c>+++ name@2</c>; empty when the texts are identical.
    /// </summary>
    public static string Unified(DefinitionVersion a, DefinitionVersion b)
    {
        // DiffPlex's own UnidiffRenderer counts the empty string after a final newline as a line and numbers
        // empty ranges wrongly, so we diff lines with their endings kept and build the hunks here. Keeping the
        // endings makes a missing final newline a change, as in diff -u.
        var diff = Differ.Instance.CreateDiffs(
            DefinitionContent.NormaliseLineEndings(a.Yaml),
            DefinitionContent.NormaliseLineEndings(b.Yaml),
            ignoreWhiteSpace: false,
            ignoreCase: false,
            LineEndingsPreservingChunker.Instance);
        if (diff.DiffBlocks.Count == 0)
            return "";

        var text = new StringBuilder();
        text.Append("--- ").Append(a.Reference).Append('\n');
        text.Append("+++ ").Append(b.Reference).Append('\n');
        foreach (var hunk in GroupIntoHunks(diff.DiffBlocks))
            WriteHunk(text, hunk, diff.PiecesOld, diff.PiecesNew);
        return text.ToString();
    }

    // Changes closer than twice the context share a hunk, so no context line is printed twice.
    private static List<List<DiffBlock>> GroupIntoHunks(IEnumerable<DiffBlock> blocks)
    {
        var hunks = new List<List<DiffBlock>>();
        foreach (var block in blocks)
        {
            if (hunks.Count > 0 && block.DeleteStartA - OldEnd(hunks[^1][^1]) <= 2 * ContextLines)
                hunks[^1].Add(block);
            else
                hunks.Add([block]);
        }
        return hunks;
    }

    private static void WriteHunk(StringBuilder text, List<DiffBlock> blocks, IReadOnlyList<string> oldLines, IReadOnlyList<string> newLines)
    {
        var first = blocks[0];
        var last = blocks[^1];
        // Outside the changed blocks lines pair one to one, so an offset carries old positions over to new ones.
        var oldStart = Math.Max(0, first.DeleteStartA - ContextLines);
        var newStart = first.InsertStartB - (first.DeleteStartA - oldStart);
        var oldEnd = Math.Min(oldLines.Count, OldEnd(last) + ContextLines);
        var newEnd = last.InsertStartB + last.InsertCountB + (oldEnd - OldEnd(last));

        text.Append("@@ -").Append(Range(oldStart, oldEnd - oldStart))
            .Append(" +").Append(Range(newStart, newEnd - newStart)).Append(" @@\n");

        var i = oldStart;
        foreach (var block in blocks)
        {
            for (; i < block.DeleteStartA; i++)
                WriteLine(text, ' ', oldLines[i]);
            for (var d = 0; d < block.DeleteCountA; d++, i++)
                WriteLine(text, '-', oldLines[i]);
            for (var n = 0; n < block.InsertCountB; n++)
                WriteLine(text, '+', newLines[block.InsertStartB + n]);
        }
        for (; i < oldEnd; i++)
            WriteLine(text, ' ', oldLines[i]);
    }

    private static int OldEnd(DiffBlock block) => block.DeleteStartA + block.DeleteCountA;

    // diff -u conventions: a one-line range is just its line number; an empty range names the line before it.
    private static string Range(int start, int count) => count switch
    {
        0 => $"{start},0",
        1 => $"{start + 1}",
        _ => $"{start + 1},{count}",
    };

    private static void WriteLine(StringBuilder text, char marker, string line)
    {
        text.Append(marker);
        if (line.EndsWith('\n'))
            text.Append(line);
        else
            text.Append(line).Append("\n\\ No newline at end of file\n");
    }
}
