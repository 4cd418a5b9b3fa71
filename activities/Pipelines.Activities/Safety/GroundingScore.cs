namespace Pipelines.Activities.Safety;

/// <summary>How much of one output its source supports: its distinct content words, how many the source has, and the rest.</summary>
public sealed record GroundingScore(int ContentWords, int Found, IReadOnlyList<string> Unsupported)
{
    /// <summary>Found ÷ content words; null when the output has no content words (nothing to ground).</summary>
    public double? Value => ContentWords == 0 ? null : (double)Found / ContentWords;
}
