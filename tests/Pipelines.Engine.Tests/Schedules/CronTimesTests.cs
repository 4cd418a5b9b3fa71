using Pipelines.Schedules;

namespace Pipelines.Engine.Tests.Schedules;

public sealed class CronTimesTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Next_fire_times_of_a_daily_cron_are_in_utc_by_default()
    {
        var next = CronTimes.Next("0 30 3 * * ?", null, Utc("2025-01-31T09:00:00Z"), 3);
        Assert.Equal([Utc("2025-02-01T03:30:00Z"), Utc("2025-02-02T03:30:00Z"), Utc("2025-02-03T03:30:00Z")], next);
    }

    [Fact]
    public void Next_fire_times_follow_the_trigger_time_zone_across_daylight_saving()
    {
        // Sundays 03:00 in Paris: 01:00Z in summer time (+2), 02:00Z once the clocks go back on 2025-10-26 (+1).
        var next = CronTimes.Next("0 0 3 ? * SUN", "Europe/Paris", Utc("2025-10-15T00:00:00Z"), 3);
        Assert.Equal([Utc("2025-10-19T01:00:00Z"), Utc("2025-10-26T02:00:00Z"), Utc("2025-11-02T02:00:00Z")], next);
    }

    [Fact]
    public void Next_fire_times_of_a_weekday_cron_in_new_york()
    {
        var next = CronTimes.Next("0 0 9 ? * MON-FRI", "America/New_York", Utc("2025-01-31T15:00:00Z"), 2); // Friday 10:00 EST
        Assert.Equal([Utc("2025-02-03T14:00:00Z"), Utc("2025-02-04T14:00:00Z")], next);
    }

    [Fact]
    public void Next_fire_times_are_strictly_after_the_given_time()
    {
        var next = CronTimes.Next("0/15 * * * * ?", null, Utc("2025-01-01T00:00:15Z"), 3);
        Assert.Equal([Utc("2025-01-01T00:00:30Z"), Utc("2025-01-01T00:00:45Z"), Utc("2025-01-01T00:01:00Z")], next);
    }

    [Fact]
    public void A_cron_that_ends_gives_fewer_times()
    {
        Assert.Equal([Utc("2030-06-01T00:00:00Z")], CronTimes.Next("0 0 0 1 6 ? 2030", null, Utc("2025-01-01T00:00:00Z"), 3));
    }

    [Fact]
    public void Downtime_over_many_fire_times_gives_one_catch_up_at_the_latest_missed_time()
    {
        // Hourly; last fired at 01:00, down until 05:30: 02:00..05:00 were missed; one catch-up, for 05:00.
        var missed = CronTimes.MissedFire("0 0 * * * ?", null, Utc("2025-01-01T01:00:00Z"), Utc("2025-01-01T05:30:00Z"));
        Assert.Equal(Utc("2025-01-01T05:00:00Z"), missed);

        // Once that catch-up is recorded as the last fire, nothing more is missed: exactly once.
        Assert.Null(CronTimes.MissedFire("0 0 * * * ?", null, missed, Utc("2025-01-01T05:30:00Z")));
    }

    [Fact]
    public void Nothing_is_missed_when_the_last_fire_is_the_latest_due_time()
    {
        Assert.Null(CronTimes.MissedFire("0 0 * * * ?", null, Utc("2025-01-01T05:00:00Z"), Utc("2025-01-01T05:59:59Z")));
    }

    [Fact]
    public void A_trigger_that_never_fired_has_nothing_to_catch_up()
    {
        Assert.Null(CronTimes.MissedFire("0 0 * * * ?", null, null, Utc("2025-01-01T05:30:00Z")));
    }

    [Fact]
    public void A_fire_time_exactly_now_counts_as_missed()
    {
        Assert.Equal(Utc("2025-01-01T06:00:00Z"), CronTimes.MissedFire("0 0 * * * ?", null, Utc("2025-01-01T05:00:00Z"), Utc("2025-01-01T06:00:00Z")));
    }

    [Fact]
    public void Catch_up_reads_the_cron_in_its_time_zone()
    {
        // Daily 03:00 Paris is 01:00Z in July: last fired on the 1st, back at 00:30Z on the 3rd, so the 2nd was missed.
        var missed = CronTimes.MissedFire("0 0 3 * * ?", "Europe/Paris", Utc("2025-07-01T01:00:00Z"), Utc("2025-07-03T00:30:00Z"));
        Assert.Equal(Utc("2025-07-02T01:00:00Z"), missed);
    }
}
