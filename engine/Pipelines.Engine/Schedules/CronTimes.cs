using Quartz;

namespace Pipelines.Schedules;

/// <summary>
/// When a trigger's cron fires, computed by Quartz's own <see cref="CronExpression"/> so that listings, catch-up and
/// the scheduler agree. Pure: every answer depends only on the arguments.
/// </summary>
public static class CronTimes
{
    /// <summary>The zone a trigger is read in: its <c>timezone</c>, UTC when it has none.</summary>
    public static TimeZoneInfo Zone(string? timeZone) =>
        timeZone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZone);

    /// <summary>The parsed expression, read in <paramref name="timeZone"/> (UTC when null).</summary>
    public static CronExpression Parse(string schedule, string? timeZone) => new(schedule, Zone(timeZone));

    /// <summary>The next <paramref name="count"/> fire times strictly after <paramref name="after"/>, in UTC; fewer when the cron ends.</summary>
    public static IReadOnlyList<DateTimeOffset> Next(string schedule, string? timeZone, DateTimeOffset after, int count)
    {
        var cron = Parse(schedule, timeZone);
        var times = new List<DateTimeOffset>(count);
        var from = after;
        while (times.Count < count && cron.GetNextValidTimeAfter(from) is { } next)
        {
            times.Add(next.ToUniversalTime());
            from = next;
        }

        return times;
    }

    /// <summary>
    /// The fire time that was missed while nothing was scheduling, if one was: the latest time the cron fired at or before
    /// <paramref name="now"/> when it is after <paramref name="lastFire"/>. However many were missed, the answer is one
    /// time, so downtime costs one catch-up run, never a burst. Null when the trigger never fired (there is no
    /// "before" to catch up from) or nothing was missed.
    /// </summary>
    public static DateTimeOffset? MissedFire(string schedule, string? timeZone, DateTimeOffset? lastFire, DateTimeOffset now)
    {
        if (lastFire is not { } last) return null;
        // GetPreviousValidTimeBefore is strict; a tick past now includes a fire exactly at now.
        var previous = Parse(schedule, timeZone).GetPreviousValidTimeBefore(now.AddTicks(1));
        return previous is { } missed && missed > last ? missed.ToUniversalTime() : null;
    }
}
