using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Reviews;
using Spectre.Console;

namespace Pipelines.Cli.Reviews;

/// <summary>What the person at the terminal decided: approve or reject, scores by criterion (skipped ones absent), a comment.</summary>
public sealed record TerminalDecision(string Decision, IReadOnlyDictionary<string, int> Scores, string? Comment);

/// <summary>
/// A review worked at the terminal: shows what <c>review show</c> holds in a form a person reads (title, instructions,
/// each sample's input, output and reference, cut to a few lines), then asks for a 1-5 score per rubric criterion
/// (Enter skips one), approve or reject, and an optional comment.
/// </summary>
public static class TerminalReview
{
    // A terminal is for judging a handful of samples; `review show` has every one of them, whole.
    private const int ShownSamples = 20;
    private const int ValueLines = 12;
    private const int ValueCharacters = 800;

    /// <summary>Asks whether to review now; Enter means yes.</summary>
    public static Task<bool> OfferAsync(IAnsiConsole console, Review review, CancellationToken ct) =>
        new ConfirmationPrompt($"Run {review.RunId} waits on review {review.Id} ({Markup.Escape(review.Title)}). Review it now?")
        {
            DefaultValue = true,
            RequireEnter = true,
        }.ShowAsync(console, ct);

    public static void Show(IAnsiConsole console, Review review)
    {
        console.WriteLine();
        console.Write(new Rule($"[bold]{Markup.Escape(review.Title)}[/]").LeftJustified());
        if (review.Instructions is { Length: > 0 } instructions) console.Write(new Text(instructions + "\n"));

        var shown = Math.Min(review.Samples.Count, ShownSamples);
        for (var i = 0; i < shown; i++)
        {
            console.MarkupLine($"[bold]sample {i + 1} of {review.Samples.Count}[/]");
            var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
            foreach (var field in (string[])["input", "output", "reference"])
            {
                var value = review.Samples[i]?[field];
                if (value is null && field == "reference") continue;
                grid.AddRow(new Text(field, new Style(decoration: Decoration.Dim)), new Text(Cut(Text(value))));
            }

            console.Write(grid);
        }

        if (review.Samples.Count > shown)
        {
            console.MarkupLine($"[dim]{review.Samples.Count - shown} more samples: {Markup.Escape(ReviewCommandLines.Program)} review show {review.Id}[/]");
        }

        console.MarkupLine($"[bold]rubric[/] (each scored {ReviewRules.MinScore} poor to {ReviewRules.MaxScore} excellent; Enter skips)");
        var rubric = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).PadRight(2)).AddColumn();
        foreach (var criterion in review.Rubric) rubric.AddRow(new Text(criterion.Name), new Text(criterion.Description ?? "", new Style(decoration: Decoration.Dim)));
        console.Write(rubric);
    }

    public static async Task<TerminalDecision> AskAsync(IAnsiConsole console, Review review, CancellationToken ct)
    {
        var scores = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var criterion in review.Rubric)
        {
            var answer = await new TextPrompt<string>($"{Markup.Escape(criterion.Name)} [dim]({ReviewRules.MinScore}-{ReviewRules.MaxScore}, Enter skips)[/]:")
                .AllowEmpty()
                .Validate(text => text.Trim().Length == 0 || Score(text) is not null
                    ? ValidationResult.Success()
                    : ValidationResult.Error($"[red]a whole number from {ReviewRules.MinScore} to {ReviewRules.MaxScore}, or Enter to skip[/]"))
                .ShowAsync(console, ct);
            if (Score(answer) is { } score) scores[criterion.Name] = score;
        }

        var decision = await new TextPrompt<string>("Decision", StringComparer.OrdinalIgnoreCase)
            .AddChoices([ReviewRules.Approve, ReviewRules.Reject])
            .ShowAsync(console, ct);
        var comment = await new TextPrompt<string>("Comment [dim](optional)[/]:").AllowEmpty().ShowAsync(console, ct);
        return new TerminalDecision(decision.Trim().ToLowerInvariant(), scores, string.IsNullOrWhiteSpace(comment) ? null : comment.Trim());
    }

    private static int? Score(string text) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var score) && score is >= ReviewRules.MinScore and <= ReviewRules.MaxScore
            ? score
            : null;

    private static string Text(JsonNode? value) => value switch
    {
        null => "(none)",
        JsonValue text when text.GetValueKind() == JsonValueKind.String => text.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    /// <summary>At most <see cref="ValueLines"/> lines and <see cref="ValueCharacters"/> characters, saying how much was cut.</summary>
    private static string Cut(string text)
    {
        var whole = text.ReplaceLineEndings("\n");
        var kept = string.Join('\n', whole.Split('\n').Take(ValueLines));
        if (kept.Length > ValueCharacters) kept = kept[..ValueCharacters];
        return kept.Length == whole.Length ? kept : $"{kept}… ({whole.Length - kept.Length} more characters)";
    }
}
