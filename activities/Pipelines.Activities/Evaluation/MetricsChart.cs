using System.Text.RegularExpressions;
using ScottPlot;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// A grouped bar chart of the quality metrics on one 0–100 scale (ROUGE and exact match × 100; BLEU and chrF as
/// they are), the model beside the baseline, as SVG for the report. Perplexity and lengths have other scales and
/// stay in the table.
/// </summary>
public static partial class MetricsChart
{
    private static readonly (string Name, double Scale)[] Charted =
        [("rouge1", 100), ("rouge2", 100), ("rougeL", 100), ("rougeLsum", 100), ("bleu", 1), ("chrf", 1), ("exact_match", 100)];

    /// <summary>The chart as an <c>&lt;svg&gt;</c> element; null when no metric of the chart was computed.</summary>
    public static string? Svg(IReadOnlyDictionary<string, double> model, IReadOnlyDictionary<string, double>? baseline, int width = 860, int height = 380)
    {
        return Draw(model, baseline) is { } plot ? Finish(plot, width, height, "metrics-chart") : null;
    }

    /// <summary><paramref name="plot"/> as an <c>&lt;svg&gt;</c> element for a report, its ids stable and starting with <paramref name="idPrefix"/>.</summary>
    internal static string Finish(Plot plot, int width, int height, string idPrefix)
    {
        var svg = plot.GetSvgXml(width, height);
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return StableIds(start > 0 ? svg[start..] : svg, idPrefix);
    }

    /// <summary>The chart as a ScottPlot plot; null when no metric of the chart was computed.</summary>
    internal static Plot? Draw(IReadOnlyDictionary<string, double> model, IReadOnlyDictionary<string, double>? baseline)
    {
        var metrics = Charted.Where(c => model.ContainsKey(c.Name)).ToArray();
        if (metrics.Length == 0) return null;

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var systems = baseline is null ? new[] { ("model", model) } : [("model", model), ("baseline", baseline)];
        var group = systems.Length + 1.0;
        for (var s = 0; s < systems.Length; s++)
        {
            var (label, values) = systems[s];
            var color = palette.GetColor(s);
            var bars = metrics.Where(m => values.ContainsKey(m.Name)).Select(m => new Bar
            {
                Position = Array.IndexOf(metrics, m) * group + s,
                Value = values[m.Name] * m.Scale,
                FillColor = color,
                Label = (values[m.Name] * m.Scale).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture),
            }).ToList();
            var plottable = plot.Add.Bars(bars);
            plottable.ValueLabelStyle.FontSize = 11;
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color });
        }

        var center = (systems.Length - 1) / 2.0;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            metrics.Select((_, i) => i * group + center).ToArray(), metrics.Select(m => m.Scale == 100 ? m.Name + " ×100" : m.Name).ToArray());
        plot.Axes.SetLimitsY(0, 110);
        plot.YLabel("score (0–100)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    [GeneratedRegex("id=\"([^\"]+)\"")]
    private static partial Regex Id();

    /// <summary>
    /// The SVG with its clip-path ids renamed in order of appearance: ScottPlot numbers them from a process-wide
    /// counter, which would make the same report differ from run to run.
    /// </summary>
    private static string StableIds(string svg, string prefix)
    {
        var ids = Id().Matches(svg).Select(m => m.Groups[1].Value).Distinct().ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            svg = svg.Replace($"id=\"{ids[i]}\"", $"id=\"{prefix}-{i}\"", StringComparison.Ordinal)
                     .Replace($"url(#{ids[i]})", $"url(#{prefix}-{i})", StringComparison.Ordinal);
        }

        return svg;
    }
}
