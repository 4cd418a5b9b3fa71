using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class DurabilityTests
{
    private const string Chain = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: resumable }
        steps:
          one:
            uses: test.count@1
            with: { value: one }
          two:
            uses: test.count@1
            with:
              value: ${{ steps.one.outputs.value }}-two
          held:
            uses: test.gate@1
            needs: [two]
          side:
            uses: test.count@1
            needs: [two]
            with: { value: side }
          three:
            uses: test.count@1
            needs: [held]
            with:
              value: ${{ steps.two.outputs.value }}-three
        """;

    [Fact]
    public async Task A_detached_run_stays_running_without_an_owner()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(Chain);
        var probe = Probe.For(id);
        using var detach = new CancellationTokenSource();
        var run = harness.ExecuteAsync(id, detach.Token);
        await Probe.UntilAsync(() => probe.Running == 1 && probe.Finishes("side") == 1, "the gate is entered and the side step finished");

        await detach.CancelAsync();

        Assert.Equal(RunStatus.Running, await run);
        var row = await harness.RunRowAsync(id);
        Assert.Equal("running", row.Status);
        Assert.Null(row.Owner);
        Assert.Null(row.LeaseExpiresAt);
        Assert.Null(row.FinishedAt);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("succeeded", steps["one"].Status);
        Assert.Equal("succeeded", steps["two"].Status);
        Assert.Equal("ready", steps["held"].Status);
        Assert.Null(steps["held"].LeaseOwner);
        Assert.Equal(0, steps["held"].Failures);
        Assert.Equal("pending", steps["three"].Status);
    }

    [Fact]
    public async Task A_new_engine_resumes_a_detached_run_without_running_finished_steps_again()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(Chain);
        var probe = Probe.For(id);
        using var detach = new CancellationTokenSource();
        var run = harness.ExecuteAsync(id, detach.Token);
        await Probe.UntilAsync(() => probe.Running == 1 && probe.Finishes("side") == 1, "the gate is entered and the side step finished");
        await detach.CancelAsync();
        await run;
        var before = await harness.StepsAsync(id);

        await harness.ReopenAsync();
        probe.Gate.Release();
        var status = await harness.ExecuteAsync(id);

        Assert.Equal(RunStatus.Succeeded, status);
        Assert.Equal(1, probe.Starts("one"));
        Assert.Equal(1, probe.Starts("two"));
        Assert.Equal(1, probe.Starts("side"));
        Assert.Equal(2, probe.Starts("held"));
        Assert.Equal(1, probe.Starts("three"));
        var after = await harness.StepsAsync(id);
        foreach (var done in new[] { "one", "two", "side" })
        {
            Assert.Equal(before[done], after[done]);
        }

        Assert.Equal("one-two-three", RuntimeHarness.Outputs(after["three"])["value"]!.GetValue<string>());
        Assert.Equal(0, after["held"].Failures);
        Assert.Equal(2, after["held"].Attempts);
        Assert.Single(await harness.Engine.Runs.GetLogsAsync(id, "one", CancellationToken.None));
        var row = await harness.RunRowAsync(id);
        Assert.Equal("succeeded", row.Status);
        Assert.Null(row.Owner);
    }

    [Fact]
    public async Task Executing_a_finished_run_again_runs_nothing()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(Chain);
        Probe.For(id).Gate.Release();
        Assert.Equal(RunStatus.Succeeded, await harness.ExecuteAsync(id));
        await harness.ReopenAsync();

        Assert.Equal(RunStatus.Succeeded, await harness.ExecuteAsync(id));

        Assert.Equal(1, Probe.For(id).Starts("three"));
    }

    [Fact]
    public async Task A_retry_that_was_waiting_when_the_run_detached_keeps_its_failure_count()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: resume-retrying }
            steps:
              flaky:
                uses: test.flaky@1
                retry: { max: 2, backoff: 300ms }
                with: { failures: 2 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(yaml);
        using var detach = new CancellationTokenSource();
        var run = harness.ExecuteAsync(id, detach.Token);
        await Probe.UntilAsync(async () => (await harness.StepAsync(id, "flaky")).Status == "retrying", "the step waits to retry");
        await detach.CancelAsync();
        Assert.Equal(RunStatus.Running, await run);

        await harness.ReopenAsync();
        var status = await harness.ExecuteAsync(id);

        Assert.Equal(RunStatus.Succeeded, status);
        var step = await harness.StepAsync(id, "flaky");
        Assert.Equal(3, step.Attempts);
        Assert.Equal(2, step.Failures);
    }

    [Fact]
    public async Task A_matrix_resumed_after_a_detach_runs_only_the_combinations_that_had_not_finished()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: resumable-matrix }
            steps:
              sweep:
                uses: test.gate@1
                matrix: { n: [1, 2, 3] }
              after:
                uses: test.count@1
                with:
                  value: n=${{ steps.sweep.outputs.all.length }}
            """;
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 1 });
        var id = await harness.CreateRunAsync(yaml);
        var probe = Probe.For(id);
        using var detach = new CancellationTokenSource();
        var run = harness.ExecuteAsync(id, detach.Token);
        await Probe.UntilAsync(() => probe.Running == 1, "the first combination waits at the gate");
        probe.Gate.Release();
        await Probe.UntilAsync(() => probe.Finishes("sweep[0]") == 1 && probe.Running == 1, "the second combination waits at the gate");
        await detach.CancelAsync();
        Assert.Equal(RunStatus.Running, await run);

        await harness.ReopenAsync(new RuntimeOptions { MaxParallel = 1 });
        probe.Gate.Release(3);
        var status = await harness.ExecuteAsync(id);

        var steps = await harness.StepsAsync(id);
        Assert.True(status == RunStatus.Succeeded, $"the run {status.Name()} ({(await harness.RunRowAsync(id)).Error}); "
            + string.Join(", ", steps.Values.OrderBy(s => s.StepId).Select(s => $"{s.StepId}={s.Status} ({s.Error})")));
        Assert.Equal(1, probe.Starts("sweep[0]"));
        Assert.Equal(2, probe.Starts("sweep[1]"));
        Assert.Equal(1, probe.Starts("sweep[2]"));
        Assert.Equal(["sweep[0]", "sweep[1]", "sweep[2]"],
            RuntimeHarness.Outputs(steps["sweep"])["all"]!.AsArray().Select(a => a!["step"]!.GetValue<string>()));
        Assert.Equal("n=3", RuntimeHarness.Outputs(steps["after"])["value"]!.GetValue<string>());
    }
}
