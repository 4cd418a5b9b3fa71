using System.Globalization;

namespace Pipelines.Cli.Runs;

/// <summary>Short durations for people: <c>0.01s</c>, <c>12.3s</c>, <c>2m05s</c>, <c>1h02m</c>, <c>3d04h</c>.</summary>
public static class DurationText
{
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero) duration = TimeSpan.Zero;
        var c = CultureInfo.InvariantCulture;
        return duration.TotalSeconds switch
        {
            < 10 => string.Format(c, "{0:0.00}s", Math.Floor(duration.TotalSeconds * 100) / 100),
            < 60 => string.Format(c, "{0:0.0}s", Math.Floor(duration.TotalSeconds * 10) / 10),
            < 3600 => string.Format(c, "{0}m{1:00}s", (int)duration.TotalMinutes, duration.Seconds),
            < 86400 => string.Format(c, "{0}h{1:00}m", (int)duration.TotalHours, duration.Minutes),
            _ => string.Format(c, "{0}d{1:00}h", (int)duration.TotalDays, duration.Hours),
        };
    }

    /// <summary>The time between two unix-millisecond instants, or null when either is missing.</summary>
    public static string? Between(long? startMs, long? endMs) =>
        startMs is { } start && endMs is { } end ? Format(TimeSpan.FromMilliseconds(end - start)) : null;
}
