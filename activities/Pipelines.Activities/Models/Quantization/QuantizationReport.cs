using System.Globalization;
using System.Net;
using System.Text;
using Pipelines.Activities.Evaluation;
using ScottPlot;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// The HTML report of model.quantize: what was quantized and how it was measured, a table of size and quality per
/// variant, and a chart of size (x) against mean KL from fp32 (y), one point per variant, so the cost of each byte saved is visible.
/// </summary>
internal static class QuantizationReport
{
    public static string Html(IReadOnlyList<KeyValuePair<string, string>> settings, IReadOnlyDictionary<string, IReadOnlyDictionary<string, VariantSize>> sizes,
        IReadOnlyDictionary<string, VariantQuality> quality, double? fp32Perplexity, string format)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Quantization report</title>")
            .Append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}</style>")
            .Append("</head><body>\n<h1>Quantization report</h1>\n<ul>");
        foreach (var (name, value) in settings) html.Append(Invariant($"<li><b>{Encode(name)}</b>: {Encode(value)}</li>"));
        html.Append("</ul>\n<table><tr><th>variant</th>");
        var formats = sizes.Values.SelectMany(s => s.Keys).Distinct().ToList();
        foreach (var f in formats) html.Append(Invariant($"<th>{Encode(f)} bytes</th><th>ratio</th>"));
        html.Append("<th>perplexity</th><th>change %</th><th>mean KL</th><th>top-1 agreement</th></tr>\n");
        foreach (var (variant, bySize) in sizes)
        {
            html.Append(Invariant($"<tr><td>{Encode(variant)}</td>"));
            foreach (var f in formats)
            {
                html.Append(bySize.TryGetValue(f, out var size) ? Invariant($"<td>{size.Bytes:N0}</td><td>{size.Ratio:0.000}</td>") : "<td></td><td></td>");
            }

            html.Append(quality.TryGetValue(variant, out var q)
                ? Invariant($"<td>{q.Perplexity:0.###}</td><td>{q.PerplexityChangePercent:+0.##;-0.##;0}</td><td>{q.MeanKl:0.#####}</td><td>{q.Top1Agreement:0.####}</td>")
                : variant == QuantizationVariants.Fp32 && fp32Perplexity is { } p ? Invariant($"<td>{p:0.###}</td><td>reference</td><td></td><td></td>") : "<td colspan=\"4\">not measured</td>");
            html.Append("</tr>\n");
        }

        html.Append("</table>\n");
        if (Chart(sizes, quality, format) is { } svg) html.Append("<h2>Size against quality</h2>\n").Append(svg).Append('\n');
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>Size in the format <paramref name="format"/> against mean KL, as SVG; null when no variant's quality was measured.</summary>
    private static string? Chart(IReadOnlyDictionary<string, IReadOnlyDictionary<string, VariantSize>> sizes, IReadOnlyDictionary<string, VariantQuality> quality, string format)
    {
        var points = sizes.Where(s => s.Value.ContainsKey(format) && (quality.ContainsKey(s.Key) || s.Key == QuantizationVariants.Fp32))
            .Select(s => (Name: s.Key, Megabytes: s.Value[format].Bytes / 1e6, Kl: quality.TryGetValue(s.Key, out var q) ? q.MeanKl : 0))
            .ToList();
        if (quality.Count == 0 || points.Count == 0) return null;

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < points.Count; i++)
        {
            var marker = plot.Add.Marker(points[i].Megabytes, points[i].Kl);
            marker.Color = palette.GetColor(i);
            marker.MarkerSize = 12;
            var label = plot.Add.Text(points[i].Name, points[i].Megabytes, points[i].Kl);
            label.LabelFontSize = 13;
            label.OffsetX = 8;
        }

        plot.XLabel($"size on disk, {format} (MB)");
        plot.YLabel("mean KL from fp32 (nats)");
        return MetricsChart.Finish(plot, 860, 420, "quantization-chart");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
