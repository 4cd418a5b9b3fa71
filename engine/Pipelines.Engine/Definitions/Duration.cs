using System.Text;
using System.Text.RegularExpressions;
using Pipelines.Diagnostics;

namespace Pipelines.Definitions;

/// <summary>Durations as pipelines write them: a sequence of number+unit, e.g. <c>500ms</c>, <c>30s</c>, <c>1h30m</c>, <c>2d</c>.</summary>
public static partial class Duration
{
    public const string Help = "write a number and a unit: 500ms, 30s, 5m, 2h, 1d (or combined, like 1h30m)";

    [GeneratedRegex(FormatPatterns.Duration)]
    private static partial Regex Pattern();

    [GeneratedRegex("([0-9]+(?:[.][0-9]+)?)(ms|s|m|h|d)")]
    private static partial Regex Part();

    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = "";
        var trimmed = text.Trim();
        if (trimmed.Length is 0 or > 32 || !Pattern().IsMatch(trimmed))
        {
            error = trimmed.StartsWith('-') ? $"{DiagnosticText.Quote(text)} is negative; a duration is zero or longer"
                : double.TryParse(trimmed, System.Globalization.CultureInfo.InvariantCulture, out _) ? $"{DiagnosticText.Quote(text)} has no unit (did you mean {trimmed}s?)"
                : $"{DiagnosticText.Quote(text)} is not a duration";
            return false;
        }

        double milliseconds = 0;
        foreach (Match m in Part().Matches(trimmed))
        {
            var n = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            milliseconds += m.Groups[2].Value switch
            {
                "ms" => n,
                "s" => n * 1_000,
                "m" => n * 60_000,
                "h" => n * 3_600_000,
                _ => n * 86_400_000,
            };
        }

        if (milliseconds > TimeSpan.FromDays(3650).TotalMilliseconds)
        {
            error = $"{DiagnosticText.Quote(text)} is longer than ten years";
            return false;
        }

        value = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero) return "0s";
        var text = new StringBuilder();
        if (value.Days > 0) text.Append(value.Days).Append('d');
        if (value.Hours > 0) text.Append(value.Hours).Append('h');
        if (value.Minutes > 0) text.Append(value.Minutes).Append('m');
        if (value.Seconds > 0) text.Append(value.Seconds).Append('s');
        if (value.Milliseconds > 0) text.Append(value.Milliseconds).Append("ms");
        return text.ToString();
    }
}
