using System.Globalization;
using System.Text;
using Pipelines.Activities.Safety;
using static Pipelines.Activities.Safety.MarkdownText;

namespace Pipelines.Activities.Selection;

/// <summary>
/// Writes the report of <c>model.select</c> into a folder: <c>report.md</c> (the rule, the choice and why, the table),
/// <c>table.csv</c>, and a chart of the task metric (or parameters, without a dataset) against tokens per second as
/// <c>chart.svg</c> and <c>chart.png</c>.
/// </summary>
public static class SelectionReport
{
    public static void Write(string directory, SelectionRule rule, RuleOutcome outcome, string? dataset, int samples)
    {
        Directory.CreateDirectory(directory);
        var (column, label) = ChartAxis(rule, outcome.Rows);
        var plot = Chart(outcome.Rows, column, label);
        File.WriteAllText(Path.Join(directory, "chart.svg"), plot.GetSvgXml(800, 500));
        plot.SavePng(Path.Join(directory, "chart.png"), 800, 500);
        File.WriteAllText(Path.Join(directory, "table.csv"), Csv(outcome.Rows));
        File.WriteAllText(Path.Join(directory, "report.md"), Markdown(rule, outcome, dataset, samples, label));
    }

    public static string Markdown(SelectionRule rule, RuleOutcome outcome, string? dataset, int samples, string chartLabel)
    {
        var rows = outcome.Rows;
        var metrics = RuleSelection.Metrics.Where(m => rows.Any(r => r.Metrics.ContainsKey(m))).ToList();
        var md = new StringBuilder();
        md.AppendLine("# Model selection").AppendLine()
          .AppendLine($"Rule: **{Cell(rule.ToString())}**. Chosen: **{Cell(rows[outcome.Selected].Name)}** (`{Cell(rows[outcome.Selected].Model)}`).").AppendLine()
          .AppendLine(Cell(outcome.Reason) + ".").AppendLine()
          .AppendLine(dataset is null
              ? "No dataset was given: no task metric was measured."
              : $"Task metrics on {samples} records of `{Cell(dataset)}`, computed as eval.metrics computes them: ROUGE as F1 (0-1), BLEU and chrF as sacrebleu (0-100).")
          .AppendLine();

        var header = new List<string> { "", "model", "arch", "parameters", "size (MB)", "context", "licence", "load (s)", "first token (ms)", "per token (ms)", "tokens/s" };
        header.AddRange(metrics);
        header.AddRange(["cost / 1k tokens", "meets requirements"]);
        md.AppendLine("| " + string.Join(" | ", header) + " |").AppendLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (var row in rows)
        {
            var cells = new List<string>
            {
                row.Selected ? "**→**" : "",
                Cell(row.Name), row.Architecture, row.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                Number(row.SizeBytes / 1e6, "0.00"), row.ContextWindow.ToString(CultureInfo.InvariantCulture),
                Cell(row.License) + (row.LicenseSource is { } source ? $" ({Cell(source)})" : ""),
                Number(row.LoadSeconds, "0.000"), Number(row.FirstTokenMs, "0.0"), Number(row.PerTokenMs, "0.00"), Number(row.TokensPerSecond, "0.0"),
            };
            cells.AddRange(metrics.Select(m => row.Metrics.TryGetValue(m, out var v) ? Number(v, "0.0000") : ""));
            cells.Add(row.CostPer1kTokens is { } cost ? cost.ToString("G4", CultureInfo.InvariantCulture) : "");
            cells.Add(row.MeetsRequirements ? "yes" : "no: " + Cell(string.Join("; ", row.FailedRequirements)));
            md.AppendLine("| " + string.Join(" | ", cells) + " |");
        }

        md.AppendLine().AppendLine($"![{chartLabel} against tokens per second](chart.svg)").AppendLine()
          .AppendLine("Speed is measured one prompt at a time (batch 1, greedy, key/value cache), after one warm-up generation, on this machine; "
                      + "the first candidate's load time includes .NET's first-call compilation of the loader. "
                      + "Cost per 1k tokens = price_per_hour / 3600 / tokens_per_second × 1000.");
        return md.ToString();
    }

    public static string Csv(IReadOnlyList<CandidateRow> rows)
    {
        var metrics = RuleSelection.Metrics.Where(m => rows.Any(r => r.Metrics.ContainsKey(m))).ToList();
        var csv = new StringBuilder("model,name,architecture,parameters,size_bytes,context_window,license,license_source,load_seconds,first_token_ms,per_token_ms,tokens_per_second");
        foreach (var m in metrics) csv.Append(',').Append(m);
        csv.Append(",cost_per_1k_tokens,meets_requirements,selected\n");
        foreach (var r in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Quote(r.Model)},{Quote(r.Name)},{r.Architecture},{r.Parameters},{r.SizeBytes},{r.ContextWindow},{Quote(r.License)},{Quote(r.LicenseSource)},")
               .Append(CultureInfo.InvariantCulture, $"{r.LoadSeconds:G6},{r.FirstTokenMs:G6},{r.PerTokenMs:G6},{r.TokensPerSecond:G6}");
            foreach (var m in metrics) csv.Append(',').Append(r.Metrics.TryGetValue(m, out var v) ? v.ToString("G6", CultureInfo.InvariantCulture) : "");
            csv.Append(CultureInfo.InvariantCulture, $",{r.CostPer1kTokens?.ToString("G6", CultureInfo.InvariantCulture)},{(r.MeetsRequirements ? "true" : "false")},{(r.Selected ? "true" : "false")}\n");
        }

        return csv.ToString();
    }

    /// <summary>The chart's vertical axis: the objective when it is a metric, else rougeL when measured, else parameters.</summary>
    private static (string Column, string Label) ChartAxis(SelectionRule rule, IReadOnlyList<CandidateRow> rows)
    {
        if (RuleSelection.Metrics.Contains(rule.Objective)) return (rule.Objective, rule.Objective);
        if (rows.All(r => r.Metrics.ContainsKey("rougeL"))) return ("rougeL", "rougeL");
        return ("parameters", "parameters (millions)");
    }

    private static ScottPlot.Plot Chart(IReadOnlyList<CandidateRow> rows, string column, string label)
    {
        var plot = new ScottPlot.Plot();
        var middle = rows.Count == 0 ? 0 : (rows.Min(r => r.TokensPerSecond) + rows.Max(r => r.TokensPerSecond)) / 2;
        foreach (var row in rows)
        {
            var x = row.TokensPerSecond;
            var y = RuleSelection.Value(row, column) is { } v ? (column == "parameters" ? v / 1e6 : v) : 0;
            var marker = plot.Add.Marker(x, y);
            marker.MarkerSize = row.Selected ? 16 : 10;
            marker.MarkerShape = row.Selected ? ScottPlot.MarkerShape.FilledDiamond : ScottPlot.MarkerShape.FilledCircle;
            marker.Color = row.Selected ? ScottPlot.Colors.OrangeRed : ScottPlot.Colors.SteelBlue;
            var text = plot.Add.Text(row.Name + (row.Selected ? " (chosen)" : ""), x, y);
            text.LabelFontSize = 13;
            // Labels point inwards, so the rightmost one is not cut at the edge of the plot.
            var right = rows.Count > 1 && x > middle;
            text.LabelAlignment = right ? ScottPlot.Alignment.LowerRight : ScottPlot.Alignment.LowerLeft;
            text.OffsetX = right ? -10 : 10;
            text.OffsetY = -6;
        }

        plot.Title($"Candidates: {label} against speed");
        plot.XLabel("new tokens per second (batch 1)");
        plot.YLabel(label);
        plot.Axes.Margins(0.25, 0.25);
        return plot;
    }

    private static string Quote(string? text) =>
        text is null ? "" : text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
