using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Schedules;

public sealed class ScheduledRunTests
{
    [Fact]
    public async Task A_trigger_every_second_starts_runs_with_its_params_that_succeed()
    {
        await using var harness = await SchedulerHarness.StartAsync();
        await harness.PublishAsync(SchedulePipelines.Tick(who: "cron"));

        var runs = await harness.WaitForRunsAsync("tick", r => r.Count >= 2, TimeSpan.FromSeconds(3.5));
        Assert.True(runs.Count >= 2, $"expected 2+ scheduled runs in 3.5 s, got {runs.Count}");
        var first = runs.Take(2).Select(r => r.Id).ToList();
        var finished = await harness.WaitForRunsAsync("tick", r => r.Where(x => first.Contains(x.Id)).All(x => StatusNames.ParseRun(x.Status).IsTerminal()),
            TimeSpan.FromSeconds(5));
        foreach (var run in finished.Where(r => first.Contains(r.Id)))
        {
            Assert.Equal("succeeded", run.Status);
            Assert.Matches(@"^schedule:tick#0 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", run.Trigger); // the fire time each run stands for
            Assert.Equal("cron", SchedulerHarness.Param(run, "who"));
        }

        var state = await harness.States.GetAsync("tick", 0, CancellationToken.None);
        Assert.NotNull(state?.LastFireAt);
        Assert.Contains(state!.LastRunId, finished.Select(r => r.Id));
    }
}

public sealed class ScheduleConcurrencyTests
{
    [Fact]
    public async Task A_trigger_starts_no_run_while_its_previous_run_is_still_going()
    {
        await using var harness = await SchedulerHarness.StartAsync();
        await harness.PublishAsync(SchedulePipelines.Nap("nap-forbid", "forbid"));

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var runs = await harness.ScheduledRunsAsync("nap-forbid");
        Assert.Single(runs);
    }
}

public sealed class ScheduleConcurrentAllowTests
{
    [Fact]
    public async Task Concurrency_allow_starts_runs_while_the_previous_one_is_going()
    {
        await using var harness = await SchedulerHarness.StartAsync();
        await harness.PublishAsync(SchedulePipelines.Nap("nap-allow", "allow"));

        var runs = await harness.WaitForRunsAsync("nap-allow", r => r.Count >= 2, TimeSpan.FromSeconds(3.5));
        Assert.True(runs.Count >= 2, $"expected 2+ overlapping runs in 3.5 s, got {runs.Count}");
    }
}

public sealed class ScheduleRetractTests
{
    [Fact]
    public async Task Retracting_the_only_version_removes_its_trigger()
    {
        await using var harness = await SchedulerHarness.StartAsync();
        var version = await harness.PublishAsync(SchedulePipelines.Tick("gone"));
        Assert.NotEmpty(await harness.WaitForRunsAsync("gone", r => r.Count >= 1, TimeSpan.FromSeconds(3)));

        await harness.RetractAsync("gone", version.Version);
        var before = (await harness.ScheduledRunsAsync("gone")).Count;
        Assert.Null(await harness.Scheduler.NextFireAsync("gone", 0, CancellationToken.None));

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        Assert.Equal(before, (await harness.ScheduledRunsAsync("gone")).Count);
    }
}

public sealed class ScheduleRepublishTests
{
    [Fact]
    public async Task Publishing_a_new_version_re_registers_its_trigger_with_the_new_params()
    {
        await using var harness = await SchedulerHarness.StartAsync();
        await harness.PublishAsync(SchedulePipelines.Tick("again", who: "one"));
        Assert.NotEmpty(await harness.WaitForRunsAsync("again", r => r.Count >= 1, TimeSpan.FromSeconds(3)));

        await harness.PublishAsync(SchedulePipelines.Tick("again", who: "two"));
        var runs = await harness.WaitForRunsAsync("again", r => r.Any(x => x.Version == 2), TimeSpan.FromSeconds(3));

        var second = runs.First(r => r.Version == 2);
        Assert.Equal("two", SchedulerHarness.Param(second, "who"));
        Assert.All(runs.Where(r => r.Version == 1), r => Assert.Equal("one", SchedulerHarness.Param(r, "who")));
        Assert.DoesNotContain(runs.SkipWhile(r => r.Version == 1), r => r.Version == 1); // once v2 fires, v1 never does again
    }

    [Fact]
    public async Task A_pinned_trigger_runs_its_pinned_version()
    {
        await using var harness = await SchedulerHarness.StartAsync();
        await harness.PublishAsync(SchedulePipelines.Tick("pinned", who: "v1").Replace("0/1 * * * * ?", "0 0 0 1 1 ? 2099", StringComparison.Ordinal));
        await harness.PublishAsync(SchedulePipelines.Tick("pinned", who: "v2", extra: "\n    version: 1"));

        var runs = await harness.WaitForRunsAsync("pinned", r => r.Count >= 1, TimeSpan.FromSeconds(3));
        var run = Assert.Single(runs.Take(1));
        Assert.Equal(1, run.Version);
        Assert.Equal("v2", SchedulerHarness.Param(run, "who")); // the trigger (and its params) come from the latest version
    }
}
