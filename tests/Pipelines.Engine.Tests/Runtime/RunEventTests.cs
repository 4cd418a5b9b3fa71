using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class RunEventTests
{
    [Fact]
    public async Task Subscribers_see_each_step_run_and_succeed_then_the_run_succeed()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: evented }
            steps:
              hello:
                uses: core.echo@1
                with: { message: hi }
              after:
                uses: core.echo@1
                with:
                  message: ${{ steps.hello.outputs.message }} again
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(yaml);
        using var subscription = harness.Engine.Events.Subscribe(id);

        Assert.Equal(RunStatus.Succeeded, await harness.ExecuteAsync(id));

        subscription.Dispose();
        var events = new List<RunEvent>();
        await foreach (var e in subscription.Reader.ReadAllAsync()) events.Add(e);
        Assert.All(events, e => Assert.Equal(id, e.RunId));
        var statuses = events.OfType<RunStatusChanged>().Select(e => e.Status).ToList();
        Assert.Equal([RunStatus.Running, RunStatus.Succeeded], statuses);
        Assert.IsType<RunStatusChanged>(events[^1]);
        foreach (var step in new[] { "hello", "after" })
        {
            var changes = events.OfType<StepStatusChanged>().Where(e => e.StepId == step).ToList();
            Assert.Equal(StepStatus.Running, changes[0].Status);
            Assert.Equal(StepStatus.Succeeded, changes[^1].Status);
            Assert.NotNull(changes[^1].Outputs);
        }

        Assert.Equal(["hi", "hi again"], events.OfType<StepLogged>().Select(e => e.Line));
        var hello = events.FindIndex(e => e is StepStatusChanged { StepId: "hello", Status: StepStatus.Succeeded });
        var after = events.FindIndex(e => e is StepStatusChanged { StepId: "after", Status: StepStatus.Running });
        Assert.True(hello < after);
        // core.echo runs inline, inside one pass of the run's loop; its line still shows between running and succeeded.
        foreach (var step in new[] { "hello", "after" })
        {
            var running = events.FindIndex(e => e is StepStatusChanged { Status: StepStatus.Running } s && s.StepId == step);
            var line = events.FindIndex(e => e is StepLogged l && l.StepId == step);
            var succeeded = events.FindIndex(e => e is StepStatusChanged { Status: StepStatus.Succeeded } s && s.StepId == step);
            Assert.True(running < line && line < succeeded, $"{step}: running at {running}, its line at {line}, succeeded at {succeeded}");
        }
    }

    [Fact]
    public async Task A_retried_inline_step_is_seen_running_then_its_retry_message_then_retrying_in_every_attempt()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: flaky }
            steps:
              boom:
                uses: core.fail@1
                retry: { max: 2, backoff: 10ms }
                with: { message: nope }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(yaml);
        using var subscription = harness.Engine.Events.Subscribe(id);

        Assert.Equal(RunStatus.Failed, await harness.ExecuteAsync(id));

        subscription.Dispose();
        var seen = new List<string>();
        await foreach (var e in subscription.Reader.ReadAllAsync())
        {
            if (e is StepStatusChanged changed) seen.Add(changed.Status.Name());
            else if (e is StepLogged logged) seen.Add(logged.Line[..logged.Line.IndexOf(':', StringComparison.Ordinal)]);
        }

        // The coordinator's own line about a failed attempt comes after the attempt was seen running, not before.
        Assert.Equal(["running", "attempt 1 failed", "retrying", "running", "attempt 2 failed", "retrying", "running", "failed"], seen);
    }
}
