using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class CancellationTests
{
    private const string GateThenMore = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: gate-then-more }
        steps:
          first: { uses: core.noop@1 }
          held:
            uses: test.gate@1
            needs: [first]
          next:
            uses: core.noop@1
            needs: [held]
          last:
            uses: core.noop@1
            needs: [next]
        """;

    [Fact]
    public async Task Cancelling_a_run_cancels_the_running_step_and_everything_pending()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(GateThenMore);
        var probe = Probe.For(id);
        var run = harness.ExecuteAsync(id);
        await Probe.UntilAsync(() => probe.Running == 1, "the gate is entered");

        Assert.True(await harness.Engine.CancelAsync(id));

        Assert.Equal(RunStatus.Cancelled, await run);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("succeeded", steps["first"].Status);
        Assert.Equal("cancelled", steps["held"].Status);
        Assert.Equal("cancelled", steps["next"].Status);
        Assert.Equal("cancelled", steps["last"].Status);
        Assert.Equal(0, probe.Running);
        Assert.Equal(0, probe.Starts("next"));
        var row = await harness.RunRowAsync(id);
        Assert.Equal("cancelled", row.Status);
        Assert.True(row.CancelRequested);
        Assert.NotNull(row.FinishedAt);
        Assert.Null(row.Owner);
    }

    [Fact]
    public async Task A_cancel_requested_through_the_store_is_noticed_within_a_few_heartbeats()
    {
        // As another process would: only the store's flag, no call into this engine.
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 4, HeartbeatInterval = TimeSpan.FromMilliseconds(50) });
        var id = await harness.CreateRunAsync(GateThenMore);
        var probe = Probe.For(id);
        var run = harness.ExecuteAsync(id);
        await Probe.UntilAsync(() => probe.Running == 1, "the gate is entered");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.True(await harness.Engine.Runs.RequestCancelAsync(id, CancellationToken.None));

        Assert.Equal(RunStatus.Cancelled, await run);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"noticed after {clock.Elapsed}");
        var steps = await harness.StepsAsync(id);
        Assert.Equal("cancelled", steps["held"].Status);
        Assert.Equal("cancelled", steps["last"].Status);
    }

    [Fact]
    public async Task Cancelling_a_run_that_waits_to_retry_cancels_the_retry()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: waits-to-retry }
            steps:
              flaky:
                uses: test.flaky@1
                retry: { max: 3, backoff: 1h }
                with: { failures: 5 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(yaml);
        var run = harness.ExecuteAsync(id);
        await Probe.UntilAsync(async () => (await harness.StepAsync(id, "flaky")).Status == "retrying", "the step waits to retry");

        await harness.Engine.CancelAsync(id);

        Assert.Equal(RunStatus.Cancelled, await run);
        Assert.Equal("cancelled", (await harness.StepAsync(id, "flaky")).Status);
    }

    [Fact]
    public async Task Cancelling_a_run_whose_matrix_children_wait_to_retry_ends_it_cancelled()
    {
        // Nothing is running when the cancel arrives: the children wait for their backoff, the matrix step waits for them.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: matrix-waits-to-retry }
            steps:
              sweep:
                uses: test.flaky@1
                matrix: { n: [1, 2] }
                retry: { max: 3, backoff: 1h }
                with: { failures: 5 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(yaml);
        var run = harness.ExecuteAsync(id);
        await Probe.UntilAsync(async () =>
        {
            var steps = await harness.StepsAsync(id);
            return steps.TryGetValue("sweep[0]", out var a) && a.Status == "retrying" && steps.TryGetValue("sweep[1]", out var b) && b.Status == "retrying";
        }, "both children wait to retry");

        await harness.Engine.CancelAsync(id);

        var status = await run;
        var after = await harness.StepsAsync(id);
        var row = await harness.RunRowAsync(id);
        Assert.True(status == RunStatus.Cancelled,
            $"run {status.Name()} ({row.Error}); " + string.Join(", ", after.Values.OrderBy(s => s.StepId).Select(s => $"{s.StepId}={s.Status} ({s.Error})")));
        Assert.Equal("cancelled", after["sweep"].Status);
        Assert.Equal("cancelled", after["sweep[0]"].Status);
        Assert.Equal("cancelled", after["sweep[1]"].Status);
    }

    [Fact]
    public async Task Cancelling_a_finished_run_changes_nothing()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(GateThenMore);
        Probe.For(id).Gate.Release();
        Assert.Equal(RunStatus.Succeeded, await harness.ExecuteAsync(id));

        await harness.Engine.CancelAsync(id);

        Assert.Equal("succeeded", (await harness.RunRowAsync(id)).Status);
        Assert.Equal(RunStatus.Succeeded, await harness.ExecuteAsync(id));
    }

    [Fact]
    public async Task A_run_cancelled_before_it_starts_executing_runs_no_step()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(GateThenMore);

        Assert.True(await harness.Engine.CancelAsync(id));
        Probe.For(id).Gate.Release();
        var status = await harness.ExecuteAsync(id);

        var steps = await harness.StepsAsync(id);
        Assert.True(status == RunStatus.Cancelled,
            $"the run {status.Name()}; " + string.Join(", ", steps.Values.OrderBy(s => s.StepId).Select(s => $"{s.StepId}={s.Status}")));
        Assert.Equal(0, Probe.For(id).Starts("held"));
        Assert.All(steps.Values, s => Assert.Equal("cancelled", s.Status));
    }

    [Fact]
    public async Task Cancelling_a_run_while_matrix_children_run_cancels_them_and_the_matrix_step()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: matrix-running }
            steps:
              sweep:
                uses: test.gate@1
                matrix: { n: [1, 2, 3] }
            """;
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 2 });
        var id = await harness.CreateRunAsync(yaml);
        var probe = Probe.For(id);
        var run = harness.ExecuteAsync(id);
        await Probe.UntilAsync(() => probe.Running == 2, "two combinations wait at the gate");

        await harness.Engine.CancelAsync(id);

        Assert.Equal(RunStatus.Cancelled, await run);
        var steps = await harness.StepsAsync(id);
        Assert.All(new[] { "sweep", "sweep[0]", "sweep[1]", "sweep[2]" }, s => Assert.Equal("cancelled", steps[s].Status));
        Assert.Equal(0, probe.Starts("sweep[2]"));
    }
}
