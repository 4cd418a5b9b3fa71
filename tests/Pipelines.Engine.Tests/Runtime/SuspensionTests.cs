using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>Steps that wait on bookmarks: the run waits (and survives restarts); resuming the bookmark continues it.</summary>
public sealed class SuspensionTests
{
    private const string Gated = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: approval }
        steps:
          before:
            uses: core.echo@1
            with: { message: before }
          approve:
            uses: test.approval@1
            needs: [before]
          after:
            uses: core.echo@1
            with:
              message: "approved=${{ steps.approve.outputs.approved }}"
        """;

    [Fact]
    public async Task A_step_that_suspends_makes_the_run_wait_with_no_owner()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(Gated);

        Assert.Equal(RunStatus.Waiting, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal(("succeeded", "waiting", "pending"), (steps["before"].Status, steps["approve"].Status, steps["after"].Status));
        Assert.Equal("approval", steps["approve"].Bookmark);
        var run = await harness.RunRowAsync(id);
        Assert.Equal(("waiting", null), (run.Status, run.Owner));
    }

    [Fact]
    public async Task Resuming_the_bookmark_after_a_restart_continues_the_run_with_the_payload()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var (id, _) = await harness.RunAsync(Gated);
        await harness.ReopenAsync(); // as if the process had stopped while the run waited

        var resumed = await harness.Engine.ResumeBookmarkAsync(id, "approve", "approval", new JsonObject { ["approved"] = true });
        var status = await harness.ExecuteAsync(id);

        Assert.True(resumed);
        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("""{"approved":true,"calls":2}""", steps["approve"].Outputs);
        Assert.Equal("""{"message":"approved=true"}""", steps["after"].Outputs);
        Assert.Equal(2, Probe.For(id).Starts("approve")); // the first call suspended, the second finished
    }

    [Fact]
    public async Task A_bookmark_nobody_waits_on_resumes_nothing()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var (id, _) = await harness.RunAsync(Gated);

        Assert.False(await harness.Engine.ResumeBookmarkAsync(id, "approve", "another-bookmark", null));
        Assert.False(await harness.Engine.ResumeBookmarkAsync(id, "before", "approval", null));
        Assert.Equal("waiting", (await harness.StepsAsync(id))["approve"].Status);
    }

    [Fact]
    public async Task A_bookmark_resumed_while_other_steps_still_run_continues_in_the_same_execution()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: approval-beside-work }
            steps:
              approve:
                uses: test.approval@1
              busy:
                uses: test.gate@1
              after:
                uses: core.echo@1
                needs: [approve, busy]
                with: { message: done }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(yaml);
        var execution = harness.ExecuteAsync(id);
        await Probe.UntilAsync(async () => (await harness.StepsAsync(id))["approve"].Status == "waiting", "approve waits");

        Assert.True(await harness.Engine.ResumeBookmarkAsync(id, "approve", "approval", new JsonObject { ["approved"] = false }));
        Probe.For(id).Gate.Release();

        Assert.Equal(RunStatus.Succeeded, await execution);
        Assert.Equal("""{"approved":false,"calls":2}""", (await harness.StepsAsync(id))["approve"].Outputs);
    }

    [Fact]
    public async Task Cancelling_a_waiting_run_cancels_the_waiting_step()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var (id, _) = await harness.RunAsync(Gated);

        await harness.Engine.CancelAsync(id);
        var status = await harness.ExecuteAsync(id);

        Assert.Equal(RunStatus.Cancelled, status);
        Assert.Equal("cancelled", (await harness.StepsAsync(id))["approve"].Status);
    }
}
