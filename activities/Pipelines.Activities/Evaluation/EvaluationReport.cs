using System.Globalization;
using System.Net;
using System.Text;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// The human-readable result of an evaluation: one self-contained HTML file (no scripts, no external files) with the
/// settings, the metrics table (and the baseline, difference and interval when there is a baseline), a chart, the best
/// and the worst samples, and every sample. Every text from the data is HTML-escaped. Nothing in it depends on the
/// time or the machine, so the same evaluation writes the same bytes.
/// </summary>
public sealed record EvaluationReport
{
    /// <summary>Per-sample metrics the samples are ranked by, in order of preference (perplexity: lower is better).</summary>
    private static readonly string[] RankingPreference = ["rougeL", "chrf", "bleu", "exact_match", "perplexity"];

    public required string Title { get; init; }

    /// <summary>Lines of the header: model, adapter, dataset, decoding settings.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; } = [];

    /// <summary>The records evaluated, in the order of the systems' samples.</summary>
    public required IReadOnlyList<EvaluationRecord> Records { get; init; }

    public required EvaluatedSystem Model { get; init; }

    public EvaluatedSystem? Baseline { get; init; }

    public IReadOnlyDictionary<string, MetricDelta>? Delta { get; init; }

    public double Confidence { get; init; } = 0.95;

    /// <summary>How many best and how many worst samples to show.</summary>
    public int Cases { get; init; } = 10;

    /// <summary>The per-sample metric samples are ranked by: the first of rougeL, chrf, bleu, exact_match, perplexity the model has; null when none.</summary>
    public string? RankedBy => Model.Samples.Count == 0 ? null : RankingPreference.FirstOrDefault(Model.Samples[0].Values().ContainsKey);

    /// <summary>
    /// The indices of the <see cref="Cases"/> best samples (best first) and of the worst (worst first) by
    /// <see cref="RankedBy"/>; ties are broken by the later metrics of the preference order, then by sample order.
    /// </summary>
    public (IReadOnlyList<int> Best, IReadOnlyList<int> Worst) Extremes()
    {
        if (RankedBy is not { } first) return ([], []);
        var keys = RankingPreference.SkipWhile(m => m != first).Where(Model.Samples[0].Values().ContainsKey).ToArray();
        // Higher is better for every key: perplexity is negated.
        var values = Model.Samples.Select(s => s.Values()).Select(v => keys.Select(k => (MetricSet.LowerIsBetter(k) ? -1 : 1) * v.GetValueOrDefault(k)).ToArray()).ToArray();
        int ByKeys(int a, int b)
        {
            for (var k = 0; k < keys.Length; k++)
            {
                var order = values[a][k].CompareTo(values[b][k]);
                if (order != 0) return order;
            }

            return 0;
        }

        var better = Comparer<int>.Create((a, b) => ByKeys(b, a) is var order and not 0 ? order : a.CompareTo(b));
        var worse = Comparer<int>.Create((a, b) => ByKeys(a, b) is var order and not 0 ? order : a.CompareTo(b));
        var indices = Enumerable.Range(0, values.Length).ToArray();
        return (indices.Order(better).Take(Cases).ToArray(), indices.Order(worse).Take(Cases).ToArray());
    }

    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Escape(Title)).Append("</title>\n<style>")
            .Append(Style).Append("</style>\n</head>\n<body>\n<h1>").Append(Escape(Title)).Append("</h1>\n");

        html.Append("<dl class=\"settings\">\n");
        foreach (var (name, value) in Settings) html.Append("<dt>").Append(Escape(name)).Append("</dt><dd>").Append(Escape(value)).Append("</dd>\n");
        html.Append("<dt>samples</dt><dd>").Append(Records.Count).Append("</dd>\n</dl>\n");

        AppendMetrics(html);
        if (MetricsChart.Svg(Model.Metrics, Baseline?.Metrics) is { } chart)
        {
            html.Append("<section id=\"chart\">\n<h2>").Append(Baseline is null ? "Scores" : "Model and baseline").Append("</h2>\n<figure>")
                .Append(chart).Append("</figure>\n</section>\n");
        }

        var (best, worst) = Extremes();
        if (RankedBy is { } rankedBy)
        {
            var direction = MetricSet.LowerIsBetter(rankedBy) ? "lowest" : "highest";
            var ties = RankingPreference.SkipWhile(m => m != rankedBy).Skip(1).Where(Model.Samples[0].Values().ContainsKey).ToArray();
            var tieNote = ties.Length > 0 ? $" Ties are broken by {string.Join(", then ", ties)}." : "";
            AppendSamples(html, "best", $"Best {best.Count} samples", $"The model's {direction} per-sample {rankedBy}.{tieNote}", best);
            AppendSamples(html, "worst", $"Worst {worst.Count} samples", $"The model's {(direction == "lowest" ? "highest" : "lowest")} per-sample {rankedBy}.{tieNote}", worst);
        }

        html.Append("<details>\n<summary>All ").Append(Records.Count).Append(" samples</summary>\n");
        AppendSamples(html, "all", null, null, Enumerable.Range(0, Records.Count).ToArray());
        html.Append("</details>\n</body>\n</html>\n");
        return html.ToString();
    }

    private void AppendMetrics(StringBuilder html)
    {
        html.Append("<section id=\"metrics\">\n<h2>Metrics</h2>\n<table class=\"metrics\">\n<thead><tr><th>metric</th><th>model</th>");
        if (Baseline is not null)
        {
            html.Append("<th>baseline</th><th>difference</th><th>").Append(Percent(Confidence)).Append(" interval</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var name in MetricSet.AllNames.Where(Model.Metrics.ContainsKey))
        {
            html.Append("<tr><th>").Append(name).Append("</th><td>").Append(Format(name, Model.Metrics[name])).Append("</td>");
            if (Baseline is not null)
            {
                html.Append("<td>").Append(Baseline.Metrics.TryGetValue(name, out var b) ? Format(name, b) : "").Append("</td>");
                if (Delta?.GetValueOrDefault(name) is { } delta)
                {
                    var better = name is "avg_length" or "length_ratio" || !delta.Significant ? "" : (delta.Difference > 0) != MetricSet.LowerIsBetter(name) ? " better" : " worse";
                    html.Append("<td class=\"delta").Append(better).Append("\">").Append(Signed(name, delta.Difference)).Append("</td><td>[")
                        .Append(Signed(name, delta.Low)).Append(", ").Append(Signed(name, delta.High)).Append(']')
                        .Append(delta.Significant ? " significant" : "").Append("</td>");
                }
                else
                {
                    html.Append("<td></td><td></td>");
                }
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n<p class=\"note\">ROUGE: F-measure (rouge_score), 0–1. BLEU, chrF: sacrebleu, 0–100. exact_match: share of predictions ")
            .Append("equal to the reference after trimming whitespace. perplexity: of the reference completion given the prompt. avg_length: words per ")
            .Append("prediction; length_ratio: prediction words / reference words.");
        if (Baseline is not null)
        {
            html.Append(" Difference: model − baseline; interval: paired bootstrap (resampled samples, each metric recomputed at corpus level); ")
                .Append("significant when it excludes 0.");
        }

        html.Append("</p>\n</section>\n");
    }

    private void AppendSamples(StringBuilder html, string id, string? heading, string? note, IReadOnlyList<int> indices)
    {
        html.Append("<section id=\"").Append(id).Append("\">\n");
        if (heading is not null) html.Append("<h2>").Append(Escape(heading)).Append("</h2>\n");
        if (note is not null) html.Append("<p class=\"note\">").Append(Escape(note)).Append("</p>\n");
        html.Append("<table class=\"samples\">\n<thead><tr><th>line</th><th>prompt</th><th>reference</th><th>prediction</th>");
        if (Baseline is not null) html.Append("<th>baseline prediction</th>");
        html.Append("<th>scores</th></tr></thead>\n<tbody>\n");
        foreach (var i in indices)
        {
            var record = Records[i];
            html.Append("<tr><td>").Append(record.Line).Append("</td><td class=\"text\">").Append(Escape(record.Prompt))
                .Append("</td><td class=\"text\">").Append(Escape(record.Reference))
                .Append("</td><td class=\"text\">").Append(Escape(Model.Samples[i].Prediction)).Append("</td>");
            if (Baseline is not null) html.Append("<td class=\"text\">").Append(Escape(Baseline.Samples[i].Prediction)).Append("</td>");
            html.Append("<td class=\"scores\">").Append(Scores(Model.Samples[i]));
            if (Baseline is not null) html.Append("<div class=\"baseline\">baseline: ").Append(Scores(Baseline.Samples[i])).Append("</div>");
            html.Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static string Scores(SampleScore sample) =>
        string.Join(" · ", sample.Values().Where(v => v.Key is not ("rouge1" or "rouge2" or "rougeLsum"))
            .Select(v => $"{v.Key} {(v.Key == MetricSet.ExactMatch ? v.Value.ToString(CultureInfo.InvariantCulture) : Format(v.Key, v.Value))}"));

    private static string Format(string metric, double value) => value.ToString(metric switch
    {
        "bleu" or "chrf" => "0.00",
        "perplexity" => "0.000",
        "avg_length" or "length" or "length_ratio" => "0.##",
        _ => "0.0000",
    }, CultureInfo.InvariantCulture);

    private static string Signed(string metric, double value) => (value > 0 ? "+" : "") + Format(metric, value);

    private static string Percent(double confidence) => (confidence * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private const string Style = """

        body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1400px; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
        dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dt { font-weight: 600; } dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
        table { border-collapse: collapse; margin: .5rem 0; }
        th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
        thead th { background: #f3f3f3; }
        table.metrics td { font-variant-numeric: tabular-nums; text-align: right; }
        td.better { color: #0a6b2d; font-weight: 600; } td.worse { color: #b00020; font-weight: 600; }
        td.text { white-space: pre-wrap; font-family: ui-monospace, monospace; max-width: 28rem; overflow-wrap: anywhere; }
        td.scores { font-size: .85rem; } div.baseline { color: #666; margin-top: .3rem; }
        p.note { color: #555; font-size: .9rem; max-width: 60rem; }
        figure { margin: 0; } summary { cursor: pointer; margin-top: 2rem; font-weight: 600; }

        """;
}
