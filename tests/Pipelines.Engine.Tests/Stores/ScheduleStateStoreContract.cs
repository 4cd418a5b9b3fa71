using Pipelines.Runtime.Stores;
using Pipelines.Schedules;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>The rules of <see cref="IScheduleStateStore"/>, on each store.</summary>
public abstract class ScheduleStateStoreContract(StoreTarget target) : StoreContract(target)
{
    [Fact]
    public async Task A_trigger_that_never_fired_has_no_state()
    {
        var states = (await OpenAsync()).ScheduleStates;

        Assert.Null(await states.GetAsync("nightly", 0, Ct));
        Assert.Empty(await states.ListAsync(Ct));
    }

    [Fact]
    public async Task Each_firing_records_its_time_and_one_that_started_no_run_keeps_the_last_run()
    {
        var states = (await OpenAsync()).ScheduleStates;

        await states.RecordAsync("nightly", 1, Start, "run-1", Ct);
        await states.RecordAsync("nightly", 1, Start.AddDays(1), null, Ct);

        Assert.Equal(new ScheduleState("nightly", 1, Start.AddDays(1), "run-1"), await states.GetAsync("nightly", 1, Ct));
        await states.RecordAsync("nightly", 1, Start.AddDays(2), "run-3", Ct);
        Assert.Equal("run-3", (await states.GetAsync("nightly", 1, Ct))?.LastRunId);
    }

    [Fact]
    public async Task States_are_listed_by_pipeline_then_trigger()
    {
        var states = (await OpenAsync()).ScheduleStates;
        await states.RecordAsync("weekly", 0, Start, "run-w", Ct);
        await states.RecordAsync("nightly", 2, Start, null, Ct);
        await states.RecordAsync("nightly", 0, Start, "run-n", Ct);

        Assert.Equal(
            [new ScheduleState("nightly", 0, Start, "run-n"), new ScheduleState("nightly", 2, Start, null), new ScheduleState("weekly", 0, Start, "run-w")],
            await states.ListAsync(Ct));
    }
}

public sealed class SqliteScheduleStateStoreTests() : ScheduleStateStoreContract(new SqliteTarget());

public sealed class PostgresScheduleStateStoreTests() : ScheduleStateStoreContract(new PostgresTarget());
