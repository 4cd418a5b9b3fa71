using System.Globalization;

namespace Pipelines.Activities.Safety;

/// <summary>Text made safe for one cell of a Markdown table, and numbers as reports show them.</summary>
public static class MarkdownText
{
    /// <summary>One line (line breaks shown as ⏎, other control characters as spaces), pipes and backticks escaped, cut to <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Cell(string? text, int max = 160)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var line = string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++) span[i] = source[i] is '\n' or '\r' || !char.IsControl(source[i]) ? source[i] : ' ';
        }).ReplaceLineEndings(" ⏎ ").Trim();
        if (line.Length > max) line = line[..max].TrimEnd() + "…";
        return line.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal);
    }

    public static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static string Number(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);
}
