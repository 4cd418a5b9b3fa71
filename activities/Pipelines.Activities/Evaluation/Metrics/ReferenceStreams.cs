namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// Turns sacrebleu's reference layout (one stream per reference set, each aligned with the hypotheses) into the
/// references of each segment, checking the shapes first.
/// </summary>
internal static class ReferenceStreams
{
    /// <summary>
    /// The references of each segment, without nulls, and without empty strings when <paramref name="dropEmpty"/>
    /// (sacrebleu's way to give segments fewer references). A segment left with none is an error, as in sacrebleu.
    /// </summary>
    public static List<string>[] BySegment(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string?>> references, bool dropEmpty)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (hypotheses.Count == 0) throw new ArgumentException("there are no segments to score", nameof(hypotheses));
        if (references.Count == 0) throw new ArgumentException("give at least one reference stream", nameof(references));
        for (var k = 0; k < references.Count; k++)
        {
            if (references[k].Count != hypotheses.Count)
            {
                throw new ArgumentException(
                    $"reference stream {k + 1} has {references[k].Count} segments but there are {hypotheses.Count} hypotheses", nameof(references));
            }
        }

        var segments = new List<string>[hypotheses.Count];
        for (var i = 0; i < segments.Length; i++)
        {
            if (hypotheses[i] is null) throw new ArgumentException($"hypothesis {i + 1} is null", nameof(hypotheses));
            var refs = new List<string>(references.Count);
            foreach (var stream in references)
            {
                if (stream[i] is { } reference && !(dropEmpty && reference.Length == 0)) refs.Add(reference);
            }

            if (refs.Count == 0)
            {
                throw new ArgumentException(
                    $"segment {i + 1} has no reference{(dropEmpty ? " (empty references are skipped, as sacrebleu does)" : "")}", nameof(references));
            }

            segments[i] = refs;
        }

        return segments;
    }
}
