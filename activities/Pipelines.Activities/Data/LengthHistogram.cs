using System.Globalization;
using System.Text;

namespace Pipelines.Activities.Data;

/// <summary>Counts of lengths in fixed bins, drawn as an inline SVG bar chart (no script, no external resources).</summary>
internal sealed class LengthHistogram
{
    private readonly int[] _bounds;
    private readonly int[] _counts;

    /// <param name="bounds">Lower bounds of the bins, ascending, starting at 0; the last bin is open-ended.</param>
    public LengthHistogram(string title, string unit, int[] bounds)
    {
        Title = title;
        Unit = unit;
        _bounds = bounds;
        _counts = new int[bounds.Length];
    }

    public string Title { get; }

    public string Unit { get; }

    public void Add(int length)
    {
        var bin = Array.BinarySearch(_bounds, length);
        _counts[bin >= 0 ? bin : ~bin - 1]++;
    }

    public IEnumerable<(string Label, int Count)> Bins() =>
        _counts.Select((count, i) => (i + 1 < _bounds.Length ? $"{_bounds[i]}–{_bounds[i + 1] - 1}" : $"{_bounds[i]}+", count));

    public string Svg()
    {
        const int width = 640, height = 220, left = 50, bottom = 40, top = 30;
        var bins = Bins().ToList();
        var max = Math.Max(1, bins.Max(b => b.Count));
        var barWidth = (width - left - 10) / bins.Count;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left}" y="16" font-size="13">{Escape(Title)}</text>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#555"/>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left - 6}" y="{top + 4}" text-anchor="end">{max}</text>""").Append('\n');
        for (var i = 0; i < bins.Count; i++)
        {
            var barHeight = (double)bins[i].Count / max * (height - bottom - top);
            var x = left + i * barWidth + 2;
            var y = height - bottom - barHeight;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{x}" y="{y:0.#}" width="{barWidth - 4}" height="{barHeight:0.#}" fill="#4a7bd0"><title>{Escape(bins[i].Label)} {Escape(Unit)}: {bins[i].Count}</title></rect>""").Append('\n');
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + (barWidth - 4) / 2}" y="{height - bottom + 14}" text-anchor="middle">{Escape(bins[i].Label)}</text>""").Append('\n');
            if (bins[i].Count > 0)
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + (barWidth - 4) / 2}" y="{y - 3:0.#}" text-anchor="middle" fill="#333">{bins[i].Count}</text>""").Append('\n');
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{(width + left) / 2}" y="{height - 6}" text-anchor="middle">{Escape(Unit)}</text>""").Append('\n');
        return svg.Append("</svg>").ToString();
    }

    /// <summary>Text safe inside HTML or SVG markup and attributes: only &amp;, &lt;, &gt; and " escaped, everything else as is.</summary>
    internal static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
