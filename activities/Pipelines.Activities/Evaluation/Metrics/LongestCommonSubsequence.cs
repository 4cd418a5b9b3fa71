using System.Buffers;

namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>Longest common subsequences of token-id sequences, computed with rouge_score's dynamic programme.</summary>
internal static class LongestCommonSubsequence
{
    /// <summary>The length of a longest common subsequence, one table row at a time.</summary>
    public static int Length(ReadOnlySpan<int> reference, ReadOnlySpan<int> candidate)
    {
        var width = candidate.Length + 1;
        var rented = ArrayPool<int>.Shared.Rent(2 * width);
        var previous = rented.AsSpan(0, width);
        var current = rented.AsSpan(width, width);
        previous.Clear();
        current[0] = 0;
        for (var i = 1; i <= reference.Length; i++)
        {
            for (var j = 1; j <= candidate.Length; j++)
            {
                current[j] = reference[i - 1] == candidate[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }

            var swap = previous;
            previous = current;
            current = swap;
        }

        var length = previous[candidate.Length];
        ArrayPool<int>.Shared.Return(rented);
        return length;
    }

    /// <summary>
    /// Marks in <paramref name="inLcs"/> the positions of <paramref name="reference"/> that belong to the one longest
    /// common subsequence rouge_score reads back from its table: from the end, a match steps diagonally, otherwise it
    /// moves left only when the cell on the left is strictly greater than the one above. Which subsequence is read
    /// back matters: ROUGE-Lsum takes the union of these positions over the candidate sentences.
    /// </summary>
    public static void Mark(ReadOnlySpan<int> reference, ReadOnlySpan<int> candidate, Span<bool> inLcs)
    {
        var width = candidate.Length + 1;
        var size = (reference.Length + 1) * width;
        var rented = ArrayPool<int>.Shared.Rent(size);
        var table = rented.AsSpan(0, size);
        table[..width].Clear();
        for (var i = 1; i <= reference.Length; i++)
        {
            table[i * width] = 0;
            for (var j = 1; j <= candidate.Length; j++)
            {
                table[i * width + j] = reference[i - 1] == candidate[j - 1]
                    ? table[(i - 1) * width + j - 1] + 1
                    : Math.Max(table[(i - 1) * width + j], table[i * width + j - 1]);
            }
        }

        int row = reference.Length, column = candidate.Length;
        while (row > 0 && column > 0)
        {
            if (reference[row - 1] == candidate[column - 1])
            {
                inLcs[row - 1] = true;
                row--;
                column--;
            }
            else if (table[row * width + column - 1] > table[(row - 1) * width + column])
            {
                column--;
            }
            else
            {
                row--;
            }
        }

        ArrayPool<int>.Shared.Return(rented);
    }
}
