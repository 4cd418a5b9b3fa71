using System.Text.RegularExpressions;
using Pipelines.Reviews;

namespace Pipelines.Cli.Reviews;

/// <summary>
/// The commands that decide a waiting review, printed for a person or a script to copy when nobody can be asked at the
/// terminal. Each runs as it stands: the same program, <c>--as</c> and <c>--data-dir</c> the user gave, and no score
/// or comment invented for the reviewer (the last line says how to add them).
/// </summary>
public static partial class ReviewCommandLines
{
    /// <summary>How the user invoked us: the wrapper exports <c>PIPELINES_PROGRAM</c> (<c>bin/pipelines</c>); else <c>pipelines</c>.</summary>
    public static string Program =>
        Environment.GetEnvironmentVariable("PIPELINES_PROGRAM") is { Length: > 0 } program ? program : "pipelines";

    /// <summary>A heading line, the three commands (show, approve, reject), then who may decide and how to add scores.</summary>
    public static IReadOnlyList<string> For(Review review, string? reviewer, string? dataDirectory)
    {
        var options = (reviewer is null ? "" : " --as " + Quote(reviewer)) + (dataDirectory is null ? "" : " --data-dir " + Quote(dataDirectory));
        var approvals = review.Approvals - review.Decisions.Count(d => d.Decision == ReviewRules.Approve);
        var lines = new List<string>
        {
            $"run {review.RunId} waits on review {review.Id} of step {review.StepId} ({approvals} more approval{(approvals == 1 ? "" : "s")} needed): {review.Title}",
            $"  {Program} review show {review.Id}{(dataDirectory is null ? "" : " --data-dir " + Quote(dataDirectory))}",
            $"  {Program} review approve {review.Id}{options}",
            $"  {Program} review reject {review.Id}{options}",
        };
        if (review.Reviewers.Count > 0) lines.Add($"  who may decide: {string.Join(", ", review.Reviewers)} (decide as one of them with --as NAME)");
        lines.Add($"  add --score CRITERION=1..5 ({string.Join(", ", review.Rubric.Select(c => c.Name))}) and --comment \"TEXT\" to either");
        return lines;
    }

    /// <summary>A word as a POSIX shell reads it back: bare when it is safe, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && SafeWord().IsMatch(word) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^[A-Za-z0-9_./:@%+=,-]+$")]
    private static partial Regex SafeWord();
}
