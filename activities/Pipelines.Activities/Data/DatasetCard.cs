using System.Globalization;
using System.Text;

namespace Pipelines.Activities.Data;

/// <summary>
/// The dataset card: a Markdown page (with inline SVG charts) that says what went in, what every stage kept and
/// dropped and why, with examples, and what came out. It holds nothing that varies between two runs of the same
/// input (no time, no run id), so the card is as reproducible as the splits.
/// </summary>
internal static class DatasetCard
{
    private static readonly string[] SplitNames = ["train", "validation", "test"];

    public static string Render(CurationResult result, CurationSettings settings)
    {
        var inputs = settings.Inputs;
        var text = settings.Text is not null;
        var card = new StringBuilder();
        card.Line($"# Dataset card: {Cell(inputs.Source)}").Line();
        card.Line($"Curated by `data.curate@1` from {N(result.Files)} files ({Megabytes(result.Bytes)}). The same input and settings give the same splits and this same card, byte for byte.").Line();
        if (text) card.Line("This is a **text dataset**, for causal-LM pretraining (loss on every token): each record is one `text`, not a prompt/completion pair.").Line();

        card.Line("## Settings").Line().Line("| setting | value |").Line("|---|---|");
        card.Line($"| format | {inputs.Format} |");
        if (text)
        {
            card.Line($"| text template | {Cell(inputs.TextTemplate!)} |");
        }
        else
        {
            card.Line($"| prompt template | {Cell(inputs.PromptTemplate ?? $"mail: {CurationSettings.DefaultMailPrompt}; JSONL/CSV: {CurationSettings.DefaultRecordPrompt}")} |");
            card.Line($"| completion field | {Cell(inputs.CompletionField ?? $"mail: {CurationSettings.DefaultMailCompletion}; JSONL/CSV: {CurationSettings.DefaultRecordCompletion}")} |");
        }

        var f = inputs.Filters;
        card.Line($"| filters | characters {f.MinChars}–{(f.MaxChars > 0 ? N(f.MaxChars) : "∞")}, words {f.MinWords}–{(f.MaxWords > 0 ? N(f.MaxWords) : "∞")}, symbol ratio ≤ {R(f.MaxSymbolRatio)}, repeated-line ratio ≤ {R(f.MaxRepeatedLineRatio)}, language {f.Language ?? "any"} |");
        card.Line($"| redact | {(settings.Redactor.Kinds.Count == 0 ? "nothing" : string.Join(", ", settings.Redactor.Kinds.Select(k => k.Name())))} |");
        var near = inputs.NearDuplicates;
        card.Line(near.Enabled
            ? $"| near duplicates | Jaccard ≥ {R(near.Threshold)} on {near.ShingleSize}-word shingles; MinHash {near.Permutations} permutations, LSH {near.Bands} bands × {near.Permutations / near.Bands} rows; {near.Action} |"
            : "| near duplicates | off |");
        card.Line($"| split | train {R(inputs.Split.Train)}, validation {R(inputs.Split.Validation)}, test {R(inputs.Split.Test)}; seed {inputs.Seed} |").Line();

        var filtered = result.Filtered.Values.Sum();
        var afterExact = result.Kept - result.ExactDuplicates;
        var removedNear = near.Action == "remove" ? result.NearDuplicates : 0;
        card.Line("## Stages").Line().Line("| stage | records | dropped |").Line("|---|---:|---:|");
        card.Line($"| read | {N(result.InputRecords)} | |");
        card.Line($"| parsed | {N(result.Parsed)} | {N(result.Quarantined.Count)} quarantined |");
        card.Line($"| passed the filters | {N(result.Kept)} | {N(filtered)} filtered |");
        card.Line($"| without exact duplicates | {N(afterExact)} | {N(result.ExactDuplicates)} |");
        card.Line($"| without near duplicates | {N(afterExact - removedNear)} | {N(removedNear)}{(near.Action == "keep" ? $" ({N(result.NearDuplicates)} kept in their group's split)" : "")} |");
        card.Line($"| train / validation / test | {string.Join(" / ", result.Splits.Select(s => N(s.Count)))} | |").Line();

        card.Line("## Quarantine").Line();
        if (result.Quarantined.Count == 0) card.Line("Every record was read.").Line();
        else
        {
            card.Line($"{N(result.Quarantined.Count)} records could not be read; all of them are in the `quarantine` artifact with the reason.").Line();
            card.Line("| reason | records |").Line("|---|---:|");
            foreach (var group in result.Quarantined.GroupBy(q => ReasonKind(q.Reason)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
                card.Line($"| {Cell(group.Key)} | {N(group.Count())} |");
            card.Line().Line("First ones:").Line();
            foreach (var q in result.Quarantined.Take(5)) card.Line($"- `{Code(q.Source)}` record {q.Record}: {Cell(q.Reason)}");
            card.Line();
        }

        card.Line("## Filters").Line().Line($"Rules measure the text the {(text ? "text template's" : "prompt's")} fields bring in (not the template's own words); a record counts under the first rule it fails.").Line();
        card.Line("| rule | dropped | examples |").Line("|---|---:|---|");
        foreach (var (rule, count) in result.Filtered)
        {
            var examples = result.FilteredExamples[rule].Select(e => $"`{Code(e.Source)}`#{e.Record} ({Cell(e.Measured)}): “{Cell(e.Snippet)}”");
            card.Line($"| {rule} | {N(count)} | {string.Join("<br>", examples)} |");
        }

        card.Line().Line("## Redactions").Line();
        if (result.Redacted.Count == 0) card.Line("Redaction was off.").Line();
        else
        {
            card.Line("| kind | placeholders written |").Line("|---|---:|");
            foreach (var (kind, count) in result.Redacted) card.Line($"| {kind} | {N(count)} |");
            card.Line().Line("Counted in records that passed the filters, before deduplication. Names, postal addresses and identifiers without a fixed shape are not found.").Line();
        }

        card.Line("## Duplicates").Line();
        card.Line($"{N(result.ExactDuplicates)} exact duplicates (same words, ignoring case, punctuation and spacing) were dropped, keeping the first in file order.");
        foreach (var (duplicate, original) in result.ExactExamples) card.Line($"- `{Code(duplicate.Source)}`#{duplicate.Record} repeats `{Code(original.Source)}`#{original.Record}");
        card.Line();
        if (near.Enabled)
        {
            card.Line($"{N(result.NearDuplicates)} near duplicates in {N(result.NearGroups)} groups; {(near.Action == "remove" ? "only each group's first record was kept" : "every group's records went to the same split")}.");
            foreach (var group in result.NearExamples)
                card.Line($"- {group.Count} records: {string.Join(", ", group.Take(6).Select(e => $"`{Code(e.Source)}`#{e.Record}"))}{(group.Count > 6 ? ", …" : "")}");
            card.Line();
        }

        var all = result.Splits.SelectMany(s => s).ToList();
        var words = new LengthHistogram($"{(text ? "Text" : "Prompt")} content length (records in the splits)", "words", [0, 10, 20, 50, 100, 200, 500, 1000, 2000]);
        var chars = new LengthHistogram("Completion length (records in the splits)", "characters", [0, 10, 20, 40, 60, 80, 120, 200]);
        foreach (var example in all)
        {
            words.Add(example.ContentWords);
            if (example.Completion is { } completion) chars.Add(completion.Length);
        }

        card.Line("## Lengths").Line();
        foreach (var histogram in text ? [words] : new[] { words, chars })
        {
            card.Line(histogram.Svg()).Line();
            card.Line($"| {histogram.Unit} | {string.Join(" | ", histogram.Bins().Select(b => b.Label))} |");
            card.Line($"|---|{string.Concat(histogram.Bins().Select(_ => "---:|"))}");
            card.Line($"| records | {string.Join(" | ", histogram.Bins().Select(b => N(b.Count)))} |").Line();
        }

        card.Line("## Splits").Line();
        card.Line($"| split | records | share | mean content words | mean {(text ? "text" : "completion")} characters |").Line("|---|---:|---:|---:|---:|");
        for (var s = 0; s < result.Splits.Count; s++)
        {
            var split = result.Splits[s];
            card.Line($"| {SplitNames[s]} | {N(split.Count)} | {R(all.Count == 0 ? 0 : (double)split.Count / all.Count)} | {R(split.Count == 0 ? 0 : split.Average(e => e.ContentWords))} | {R(split.Count == 0 ? 0 : split.Average(e => (e.Completion ?? e.Prompt).Length))} |");
        }

        var fields = text ? "\"text\"" : "\"prompt\", \"completion\"";
        card.Line().Line($"Each line of a split is `{{{fields}, \"id\", \"source\", \"record\"}}`: `source` is the file (relative to the source), `record` the line (JSONL, CSV) or message number (mail).");
        return card.ToString();
    }

    private static StringBuilder Line(this StringBuilder builder, string text = "") => builder.Append(text).Append('\n');

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string R(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    /// <summary>The reason without its particulars: "invalid JSON", "no field 'x'".</summary>
    private static string ReasonKind(string reason)
    {
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        var kind = colon > 0 ? reason[..colon] : reason;
        var paren = kind.IndexOf(" (", StringComparison.Ordinal);
        return paren > 0 ? kind[..paren] : kind;
    }

    /// <summary>Text for a table cell: HTML-escaped, no line breaks, no column bars.</summary>
    private static string Cell(string text) =>
        LengthHistogram.Escape(text).Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ↵ ", StringComparison.Ordinal);

    private static string Code(string text) => text.Replace("`", "'", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);
}
