using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using static Pipelines.Activities.Safety.MarkdownText;

namespace Pipelines.Activities.Safety;

/// <summary>
/// Writes the report of <c>eval.safety</c> into a folder: <c>report.md</c> (rates, PII by kind, toxic words, bias
/// probes, flagged examples, method), <c>outputs.jsonl</c> (every output with its checks) and <c>probes.jsonl</c>.
/// Personal data is never repeated: outputs appear with it replaced by placeholders ([EMAIL], [PHONE], …).
/// </summary>
public static class SafetyReport
{
    /// <summary>Flagged outputs shown per check.</summary>
    public const int Examples = 10;

    public static void Write(string directory, SafetyReportInfo info, IReadOnlyList<OutputCheck> checks, SafetyTally tally,
        IReadOnlyList<ProbeOutcome>? probes, BiasSummary? bias)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Join(directory, "report.md"), Markdown(info, checks, tally, probes, bias));
        WriteLines(Path.Join(directory, "outputs.jsonl"), checks.Select(c => (Action<Utf8JsonWriter>)(w => Output(w, c))));
        WriteLines(Path.Join(directory, "probes.jsonl"), (probes ?? []).Select(p => (Action<Utf8JsonWriter>)(w => Probe(w, p))));
    }

    public static string Markdown(SafetyReportInfo info, IReadOnlyList<OutputCheck> checks, SafetyTally tally, IReadOnlyList<ProbeOutcome>? probes, BiasSummary? bias)
    {
        var md = new StringBuilder();
        var grounded = checks.Count(c => c.Grounding.Value is not null);
        md.AppendLine("# Safety evaluation").AppendLine()
          .AppendLine($"{checks.Count} outputs of {info.Subject}, for {checks.Count} of the {info.DatasetRecords} records of `{Cell(info.Dataset)}`{(checks.Count < info.DatasetRecords ? $" (drawn with seed {info.Seed})" : "")}.").AppendLine()
          .AppendLine("| check | rate | outputs |").AppendLine("|---|---|---|")
          .AppendLine($"| toxicity | {Percent(tally.Rates.Toxicity)} | {checks.Count(c => c.IsToxic)} of {checks.Count} |")
          .AppendLine($"| PII leak | {Percent(tally.Rates.PiiLeak)} | {checks.Count(c => c.Pii.Any)} of {checks.Count} |")
          .AppendLine($"| ungrounded (grounding < {Number(info.GroundingThreshold)}) | {Percent(tally.Rates.Ungrounded)} | {checks.Count(c => c.Grounding.Value < info.GroundingThreshold)} of {grounded} with content words |")
          .AppendLine()
          .AppendLine($"Mean grounding: **{(tally.Grounding is { } g ? Number(g, "0.000") : "n/a")}** (share of an output's content words found in its context, or its prompt).")
          .AppendLine();

        md.AppendLine("## Personal data by kind").AppendLine().AppendLine("| kind | outputs | share | matches |").AppendLine("|---|---|---|---|");
        foreach (var kind in PiiLeakScanner.Kinds)
        {
            md.AppendLine($"| {kind} | {checks.Count(c => c.Pii.Counts[kind] > 0)} | {Percent(tally.Pii[kind])} | {checks.Sum(c => c.Pii.Counts[kind])} |");
        }

        md.AppendLine().AppendLine("## Toxic words found").AppendLine();
        if (tally.ToxicWords.Count == 0) md.AppendLine("None.");
        else
        {
            md.AppendLine("| word | outputs |").AppendLine("|---|---|");
            foreach (var (word, count) in tally.ToxicWords) md.AppendLine($"| {Cell(word)} | {count} |");
        }

        md.AppendLine().AppendLine("## Counterfactual bias probes").AppendLine();
        AppendBias(md, probes, bias);

        md.AppendLine().AppendLine("## Flagged outputs").AppendLine();
        AppendExamples(md, "Toxic", checks.Where(c => c.IsToxic), c => "words: " + string.Join(", ", c.ToxicWords));
        AppendExamples(md, "Personal data (shown redacted)", checks.Where(c => c.Pii.Any), c => "kinds: " + string.Join(", ", c.Pii.Kinds));
        AppendExamples(md, $"Least grounded (below {Number(info.GroundingThreshold)})",
            checks.Where(c => c.Grounding.Value < info.GroundingThreshold).OrderBy(c => c.Grounding.Value),
            c => $"grounding {Number(c.Grounding.Value ?? 0, "0.00")}; not in the source: {string.Join(", ", c.Grounding.Unsupported.Take(12))}");

        md.AppendLine().AppendLine("## Method").AppendLine()
          .AppendLine($"- Toxicity: an output is toxic when it contains a term of {info.WordList}, matched case-insensitively on word boundaries.")
          .AppendLine("- Personal data: data curation's detectors (URLs, e-mail addresses, Luhn-valid card numbers, IPv4/IPv6 addresses, phone numbers); PII echoed from the prompt counts too.")
          .AppendLine($"- Grounding: distinct words of letters and digits, lower case, minus the stop words of {VendoredList.StopWords.Spec} ({VendoredList.StopWords.License}); no stemming.")
          .AppendLine($"- Bias probes: first names from {VendoredList.FemaleNames.Spec} and {VendoredList.MaleNames.Spec} (names on both lists and stop words left out); each output's name is replaced by {BiasMeasure.Placeholder} before comparing.");
        return md.ToString();
    }

    private static void AppendBias(StringBuilder md, IReadOnlyList<ProbeOutcome>? probes, BiasSummary? bias)
    {
        if (bias is null || probes is null)
        {
            md.AppendLine("Not run (no model was given, or bias_pairs is 0).");
            return;
        }

        var templates = probes.Select(p => p.Pair.Template).Distinct().Count();
        md.AppendLine($"{bias.Pairs} pairs: {templates} templates × {(templates == 0 ? 0 : bias.Pairs / templates)} name pairs. Gaps are female − male.").AppendLine()
          .AppendLine("| measure | value |").AppendLine("|---|---|")
          .AppendLine($"| similarity (mean ROUGE-L F1 of paired outputs) | {Number(bias.Similarity, "0.000")} |")
          .AppendLine($"| pairs whose outputs differ | {Percent(bias.Changed)} |")
          .AppendLine($"| length gap (relative) | {Number(bias.LengthGap, "+0.000;-0.000;0")} |")
          .AppendLine($"| refusal gap | {Number(bias.RefusalGap, "+0.000;-0.000;0")} |")
          .AppendLine($"| toxicity gap | {Number(bias.ToxicityGap, "+0.000;-0.000;0")} |")
          .AppendLine().AppendLine("| group | mean words | refusal rate | toxicity rate |").AppendLine("|---|---|---|---|")
          .AppendLine($"| female | {Number(bias.Female.MeanWords, "0.0")} | {Percent(bias.Female.RefusalRate)} | {Percent(bias.Female.ToxicityRate)} |")
          .AppendLine($"| male | {Number(bias.Male.MeanWords, "0.0")} | {Percent(bias.Male.RefusalRate)} | {Percent(bias.Male.ToxicityRate)} |")
          .AppendLine().AppendLine("Names: " + string.Join(", ", probes.Select(p => $"{p.Pair.FemaleName}/{p.Pair.MaleName}").Distinct().Take(20)) + ".").AppendLine();

        var different = probes.Where(p => p.Changed).OrderBy(p => p.Similarity).Take(Examples).ToList();
        if (different.Count == 0) return;
        md.AppendLine("Least similar pairs:").AppendLine().AppendLine("| prompt | female output | male output | similarity |").AppendLine("|---|---|---|---|");
        foreach (var p in different)
        {
            md.AppendLine($"| {Cell(p.Pair.FemalePrompt, 100)} | {Cell(p.FemaleOutput, 120)} | {Cell(p.MaleOutput, 120)} | {Number(p.Similarity, "0.00")} |");
        }
    }

    private static void AppendExamples(StringBuilder md, string title, IEnumerable<OutputCheck> flagged, Func<OutputCheck, string> why)
    {
        var shown = flagged.Take(Examples).ToList();
        md.AppendLine($"### {title}").AppendLine();
        if (shown.Count == 0)
        {
            md.AppendLine("None.").AppendLine();
            return;
        }

        md.AppendLine("| line | prompt | output | why |").AppendLine("|---|---|---|---|");
        foreach (var c in shown)
        {
            md.AppendLine($"| {c.Record.Line} | {Cell(c.Record.Prompt, 100)} | {Cell(c.Pii.Redacted, 160)} | {Cell(why(c), 160)} |");
        }

        md.AppendLine();
    }

    private static void Output(Utf8JsonWriter w, OutputCheck c)
    {
        w.WriteNumber("line", c.Record.Line);
        w.WriteString("prompt", c.Record.Prompt);
        w.WriteString("output", c.Pii.Redacted);
        w.WriteStartArray("toxic_words");
        foreach (var word in c.ToxicWords) w.WriteStringValue(word);
        w.WriteEndArray();
        w.WriteStartObject("pii");
        foreach (var (kind, count) in c.Pii.Counts.Where(p => p.Value > 0)) w.WriteNumber(kind, count);
        w.WriteEndObject();
        if (c.Grounding.Value is { } grounding) w.WriteNumber("grounding", grounding);
        else w.WriteNull("grounding");
        w.WriteStartArray("unsupported");
        foreach (var word in c.Grounding.Unsupported) w.WriteStringValue(word);
        w.WriteEndArray();
    }

    private static void Probe(Utf8JsonWriter w, ProbeOutcome p)
    {
        w.WriteString("template", p.Pair.Template);
        w.WriteString("female_name", p.Pair.FemaleName);
        w.WriteString("male_name", p.Pair.MaleName);
        w.WriteString("female_output", p.FemaleOutput);
        w.WriteString("male_output", p.MaleOutput);
        w.WriteNumber("similarity", p.Similarity);
    }

    private static void WriteLines(string path, IEnumerable<Action<Utf8JsonWriter>> records)
    {
        using var file = File.Create(path);
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        foreach (var record in records)
        {
            using (var writer = new Utf8JsonWriter(file, options))
            {
                writer.WriteStartObject();
                record(writer);
                writer.WriteEndObject();
            }

            file.WriteByte((byte)'\n');
        }
    }
}
