using Pipelines.Engine.Tests.Activities;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class RetryTests
{
    [Fact]
    public async Task An_always_failing_step_is_tried_once_plus_its_retries_then_fails_the_run()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: always-fails }
            steps:
              broken:
                uses: core.fail@1
                retry: { max: 2, backoff: 10ms, factor: 2 }
                with: { message: the disk is full }
              after:
                uses: core.noop@1
                needs: [broken]
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("failed", steps["broken"].Status);
        Assert.Equal(3, steps["broken"].Attempts);
        Assert.Equal(3, steps["broken"].Failures);
        Assert.Equal("the disk is full", steps["broken"].Error);
        Assert.Equal("skipped", steps["after"].Status);
        var run = await harness.RunRowAsync(id);
        Assert.Equal("failed", run.Status);
        Assert.Contains("broken", run.Error, StringComparison.Ordinal);
        Assert.Contains("the disk is full", run.Error, StringComparison.Ordinal);
        // Each failed attempt that will be retried says so in the step's log, with its backoff.
        var logs = (await harness.Engine.Runs.GetLogsAsync(id, "broken", CancellationToken.None)).Select(l => l.Line).ToList();
        Assert.Equal(["attempt 1 failed: the disk is full; retrying in 10ms", "attempt 2 failed: the disk is full; retrying in 20ms"], logs);
    }

    [Fact]
    public async Task A_flaky_step_succeeds_on_its_third_attempt()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: flaky }
            steps:
              flaky:
                uses: test.flaky@1
                retry: { max: 2, backoff: 10ms, factor: 2 }
                with: { failures: 2 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Succeeded, status);
        var step = await harness.StepAsync(id, "flaky");
        Assert.Equal("succeeded", step.Status);
        Assert.Equal(3, step.Attempts);
        Assert.Null(step.Error);
        Assert.Equal(3, RuntimeHarness.Outputs(step)["attempt"]!.GetValue<int>());
        Assert.Equal(3, Probe.For(id).Starts("flaky"));
    }

    [Fact]
    public async Task A_zero_backoff_retries_at_once_without_waiting_on_the_clock()
    {
        // On a clock that never moves, only a timer due now fires: the retries happen without any time passing.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: immediate-retries }
            steps:
              flaky:
                uses: test.flaky@1
                retry: { max: 2, backoff: 0s, factor: 2 }
                with: { failures: 2 }
            """;
        await using var harness = await RuntimeHarness.StartAsync(time: new StoppedTimeProvider());

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Succeeded, status);
        var step = await harness.StepAsync(id, "flaky");
        Assert.Equal(3, step.Attempts);
        Assert.Equal(3, Probe.For(id).Starts("flaky"));
        var logs = (await harness.Engine.Runs.GetLogsAsync(id, "flaky", CancellationToken.None)).Select(l => l.Line).ToList();
        Assert.Equal([
            "attempt 1 failed: attempt 1 failed on purpose; retrying in 0s",
            "attempt 2 failed: attempt 2 failed on purpose; retrying in 0s",
        ], logs);
    }

    [Fact]
    public async Task A_non_retryable_failure_is_not_retried()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: bad-data }
            steps:
              flaky:
                uses: test.flaky@1
                retry: { max: 5, backoff: 10ms }
                with: { failures: 1, retryable: false }
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var step = await harness.StepAsync(id, "flaky");
        Assert.Equal("failed", step.Status);
        Assert.Equal(1, step.Attempts);
        Assert.Equal("attempt 1 failed on purpose", step.Error);
        Assert.Equal(1, Probe.For(id).Starts("flaky"));
    }

    [Fact]
    public async Task Retry_backoff_waits_on_the_engine_clock()
    {
        // On a clock whose timers fire at once, retries with a 1h backoff finish without waiting hours: the backoff is
        // measured by the engine's TimeProvider. The log shows the exponential waits.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: slow-retries }
            steps:
              flaky:
                uses: test.flaky@1
                retry: { max: 3, backoff: 1h, factor: 2 }
                with: { failures: 3 }
            """;
        await using var harness = await RuntimeHarness.StartAsync(time: new InstantTimeProvider());

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Succeeded, status);
        var step = await harness.StepAsync(id, "flaky");
        Assert.Equal(4, step.Attempts);
        var logs = (await harness.Engine.Runs.GetLogsAsync(id, "flaky", CancellationToken.None)).Select(l => l.Line).ToList();
        Assert.Equal([
            "attempt 1 failed: attempt 1 failed on purpose; retrying in 1h",
            "attempt 2 failed: attempt 2 failed on purpose; retrying in 2h",
            "attempt 3 failed: attempt 3 failed on purpose; retrying in 4h",
        ], logs);
    }
}
