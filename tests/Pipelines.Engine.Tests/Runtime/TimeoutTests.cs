using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class TimeoutTests
{
    [Fact]
    public async Task A_step_over_its_timeout_fails_saying_so()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: step-timeout }
            steps:
              nap:
                uses: core.sleep@1
                timeout: 200ms
                with: { seconds: 5 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the run took {clock.Elapsed}");
        var step = await harness.StepAsync(id, "nap");
        Assert.Equal("failed", step.Status);
        Assert.Equal("timed out after 200ms", step.Error);
        Assert.Equal(1, step.Attempts);
    }

    [Fact]
    public async Task A_timed_out_attempt_is_retried_like_any_failure()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: step-timeout-retried }
            steps:
              nap:
                uses: core.sleep@1
                timeout: 100ms
                retry: { max: 1, backoff: 10ms }
                with: { seconds: 5 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var step = await harness.StepAsync(id, "nap");
        Assert.Equal(2, step.Attempts);
        Assert.Equal("timed out after 100ms", step.Error);
    }

    [Fact]
    public async Task A_run_over_its_timeout_fails_and_cancels_what_is_left()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: run-timeout }
            steps:
              quick: { uses: core.noop@1 }
              nap:
                uses: core.sleep@1
                needs: [quick]
                with: { seconds: 5 }
              after:
                uses: core.noop@1
                needs: [nap]
              meanwhile:
                uses: test.gate@1
                needs: [quick]
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (id, status) = await harness.RunAsync(yaml, request: new RunRequest { Timeout = TimeSpan.FromMilliseconds(300) });

        Assert.Equal(RunStatus.Failed, status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the run took {clock.Elapsed}");
        var run = await harness.RunRowAsync(id);
        Assert.Equal("failed", run.Status);
        Assert.Contains("timed out after 300ms", run.Error, StringComparison.Ordinal);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("succeeded", steps["quick"].Status);
        Assert.Equal("cancelled", steps["nap"].Status);
        Assert.Equal("cancelled", steps["meanwhile"].Status);
        Assert.Equal("cancelled", steps["after"].Status);
        Assert.All(steps.Values, s => Assert.NotNull(s.FinishedAt));
        Assert.Null(run.Owner);
    }

    [Fact]
    public async Task A_run_timeout_while_matrix_children_wait_to_retry_fails_the_run_saying_it_timed_out()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: matrix-run-timeout }
            steps:
              sweep:
                uses: test.flaky@1
                matrix: { n: [1, 2] }
                retry: { max: 3, backoff: 1h }
                with: { failures: 5 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        // Long enough for both children to fail once and wait for their retry even on a loaded machine: the timeout
        // must find them waiting, not mid-attempt (500 ms was not always enough with other work on two cores).
        var (id, status) = await harness.RunAsync(yaml, request: new RunRequest { Timeout = TimeSpan.FromSeconds(3) });

        Assert.Equal(RunStatus.Failed, status);
        var run = await harness.RunRowAsync(id);
        Assert.Contains("timed out after 3s", run.Error, StringComparison.Ordinal);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("cancelled", steps["sweep[0]"].Status);
        Assert.Equal("cancelled", steps["sweep[1]"].Status);
        Assert.Equal("cancelled", steps["sweep"].Status);
    }

    [Fact]
    public async Task A_step_that_ignores_cancellation_still_fails_at_its_timeout()
    {
        // A hung call that takes no token is what a timeout is for: the step must not succeed long after its limit.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: stubborn-timeout }
            steps:
              hung:
                uses: test.stubborn@1
                timeout: 200ms
                with: { milliseconds: 1500 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (id, status) = await harness.RunAsync(yaml);

        var step = await harness.StepAsync(id, "hung");
        Assert.True(status == RunStatus.Failed, $"the run {status.Name()} after {clock.Elapsed.TotalMilliseconds:0}ms; the step {step.Status}");
        Assert.Equal("timed out after 200ms", step.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(1200), $"the timeout was noticed after {clock.Elapsed}");
    }
}
