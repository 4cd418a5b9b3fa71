using Pipelines.Schedules;

namespace Pipelines.Engine.Tests.Schedules;

public sealed class CatchUpTests
{
    [Fact]
    public async Task Start_up_after_downtime_starts_one_catch_up_run_per_trigger_that_missed_fires()
    {
        var lastFire = DateTimeOffset.UtcNow.AddDays(-3);
        await using var harness = await SchedulerHarness.StartAsync(async engine =>
        {
            await engine.Definitions.PublishAsync("five", SchedulePipelines.Daily, CancellationToken.None);
            await engine.Definitions.PublishAsync("fresh", SchedulePipelines.Daily.Replace("name: five", "name: fresh", StringComparison.Ordinal),
                CancellationToken.None);
            // "five" fired three days ago, then the server was down for three of its fire times; "fresh" never fired.
            await engine.ScheduleStates.RecordAsync("five", 0, lastFire, "run-before-downtime", CancellationToken.None);
        });

        var runs = await harness.ScheduledRunsAsync("five");
        var run = Assert.Single(runs);
        Assert.Equal("schedule:five#0", run.Trigger);
        Assert.Empty(await harness.ScheduledRunsAsync("fresh"));

        var state = await harness.States.GetAsync("five", 0, CancellationToken.None);
        Assert.Equal(run.Id, state!.LastRunId);
        Assert.Equal(DateTimeOffset.UtcNow.UtcDateTime.Date, state.LastFireAt!.Value.UtcDateTime); // the latest missed time: today's midnight
        Assert.Null(CronTimes.MissedFire("0 0 0 * * ?", null, state.LastFireAt, DateTimeOffset.UtcNow));
    }
}
