using Npgsql;
using Pipelines.Persistence.Postgres;
using Pipelines.Schedules;
using Pipelines.Tests;

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
        Assert.Equal($"schedule:five#0 at {DateTime.UtcNow.Date:yyyy-MM-dd}T00:00:00Z", run.Trigger); // the missed fire time it catches up
        Assert.Empty(await harness.ScheduledRunsAsync("fresh"));

        var state = await harness.States.GetAsync("five", 0, CancellationToken.None);
        Assert.Equal(run.Id, state!.LastRunId);
        Assert.Equal(DateTimeOffset.UtcNow.UtcDateTime.Date, state.LastFireAt!.Value.UtcDateTime); // the latest missed time: today's midnight
        Assert.Null(CronTimes.MissedFire("0 0 0 * * ?", null, state.LastFireAt, DateTimeOffset.UtcNow));
    }
}

public sealed class ClusteredCatchUpTests
{
    // concurrency: allow, so that a second firing of the same time would start a second run rather than be skipped.
    private const string Daily = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: kept }
        triggers:
          - schedule: "0 0 0 * * ?"
            concurrency: allow
        steps:
          ok: { uses: core.noop@1 }
        """;

    [Fact]
    public async Task A_trigger_the_clustered_store_kept_is_caught_up_once_by_quartz_not_again_at_start_up()
    {
        var store = PostgresAddress.Parse(await TestPostgres.CreateDatabaseAsync("kept_trigger"), "test");
        await using (var earlier = await SchedulerHarness.StartAsync(clusterStore: store))
        {
            await earlier.PublishAsync(Daily);
        }

        // Every host was down at midnight: Quartz still holds the trigger, due at a time now past, and this host's
        // schedule_state says it last fired three days ago.
        var midnight = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        await using (var connection = new NpgsqlConnection(store.ConnectionString))
        {
            await connection.OpenAsync();
            await using var due = new NpgsqlCommand("UPDATE qrtz_triggers SET next_fire_time = $1 WHERE trigger_group = 'schedule:kept'", connection)
            {
                Parameters = { new() { Value = midnight.UtcTicks } },
            };
            Assert.Equal(1, await due.ExecuteNonQueryAsync());
        }

        await using var harness = await SchedulerHarness.StartAsync(async engine =>
        {
            await engine.Definitions.PublishAsync("kept", Daily, CancellationToken.None);
            await engine.ScheduleStates.RecordAsync("kept", 0, midnight.AddDays(-3), "run-before-downtime", CancellationToken.None);
        }, clusterStore: store);

        // Quartz's misfire handling fires it once and moves it on to the next midnight; once that firing has finished
        // (no firing of it in flight) nothing more is due today.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await QuartzIsDoneAsync(store, "schedule:kept"))
        {
            Assert.True(DateTime.UtcNow < deadline, "Quartz did not handle the misfire");
            await Task.Delay(50);
        }

        var run = Assert.Single(await harness.ScheduledRunsAsync("kept"));
        Assert.Equal($"schedule:kept#0 at {midnight:yyyy-MM-dd}T00:00:00Z", run.Trigger);
    }

    /// <summary>True when the group's trigger is next due in the future and none of its firings is in flight.</summary>
    private static async Task<bool> QuartzIsDoneAsync(PostgresAddress store, string group)
    {
        await using var connection = new NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT next_fire_time FROM qrtz_triggers WHERE trigger_group = $1) > $2
               AND NOT EXISTS (SELECT 1 FROM qrtz_fired_triggers WHERE trigger_group = $1)
            """, connection)
        {
            Parameters = { new() { Value = group }, new() { Value = DateTimeOffset.UtcNow.UtcTicks } },
        };
        return await command.ExecuteScalarAsync() is true;
    }
}
