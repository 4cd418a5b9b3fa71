using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>
/// Taking over a run whose owner died is a compare-and-swap on the owner that was read: of two runtimes that resume
/// the same run at once, one executes it and the other is told who does. Executions are counted from the activities'
/// side (<see cref="Probe"/>), not from the store's attempts.
/// </summary>
public sealed class TakeOverTests
{
    private const string Chain = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: take-over }
        defaults: { cache: false }
        steps:
          first:
            uses: test.count@1
            with: { value: one }
          second:
            uses: test.count@1
            needs: [first]
            with: { value: two }
          third:
            uses: test.count@1
            needs: [second]
            with: { value: three }
        """;

    /// <summary>A lease holder on this host whose process does not exist: what a SIGKILLed owner looks like.</summary>
    private static string DeadOwner(int n) => $"{Environment.MachineName}:{int.MaxValue - n}:0";

    [Fact]
    public async Task Fifty_double_resumes_of_a_run_whose_owner_died_execute_every_step_exactly_once()
    {
        using var directory = new TemporaryDataDirectory();
        var runs = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            // Created (owned, with a live lease) by a process that then died before executing anything.
            await using var dead = await RunEngine.OpenAsync(directory.Path, RuntimeHarness.Catalog, new RuntimeOptions { Owner = DeadOwner(i) });
            var published = await dead.Definitions.PublishAsync("take-over", Chain, CancellationToken.None);
            runs.Add(await dead.CreateRunAsync(published.Version, []));
        }

        await using var a = await RunEngine.OpenAsync(directory.Path, RuntimeHarness.Catalog, new RuntimeOptions { Owner = ProcessOwner.Current + "/a", MaxParallel = 2 });
        await using var b = await RunEngine.OpenAsync(directory.Path, RuntimeHarness.Catalog, new RuntimeOptions { Owner = ProcessOwner.Current + "/b", MaxParallel = 2 });
        var refusals = 0;
        foreach (var id in runs)
        {
            var outcomes = await Task.WhenAll(ResumeAsync(a, id), ResumeAsync(b, id)).WaitAsync(RuntimeHarness.RunBound);

            Assert.Contains(outcomes, o => o.Status == RunStatus.Succeeded);
            foreach (var refused in outcomes.Where(o => o.Refusal is not null))
            {
                refusals++;
                // The loser names the winner, not the dead owner both of them read.
                Assert.Matches(@"being executed by another live process \(.*/[ab]\)", refused.Refusal!);
            }

            foreach (var step in new[] { "first", "second", "third" })
            {
                Assert.Equal(1, Probe.For(id).Starts(step));
            }

            var row = (await a.Runs.GetStepsAsync(id, CancellationToken.None)).ToDictionary(s => s.StepId);
            Assert.All(row.Values, s => Assert.Equal(1, s.Attempts));
        }

        Assert.True(refusals > 0, "no resume was ever refused: the two resumes never overlapped");
    }

    [Fact]
    public async Task Take_overs_from_dead_owners_count_in_a_row_only_while_nothing_finishes()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(Chain);
        var runs = harness.Engine.Runs;

        Assert.Equal(1, await runs.CountCrashTakeOverAsync(id, 0, CancellationToken.None));
        Assert.Equal(2, await runs.CountCrashTakeOverAsync(id, 0, CancellationToken.None));
        Assert.Equal(1, await runs.CountCrashTakeOverAsync(id, 1, CancellationToken.None)); // a step finished in between
        Assert.Equal(2, await runs.CountCrashTakeOverAsync(id, 1, CancellationToken.None));
    }

    [Fact]
    public async Task A_run_whose_owners_keep_dying_with_no_step_running_is_failed_as_a_dead_letter_instead_of_resumed()
    {
        // A process that dies in the runtime itself, between steps (as a poison expression once made it), leaves no
        // step running to blame: after the third such death in a row the run's unfinished steps are failed.
        using var directory = new TemporaryDataDirectory();
        string id;
        await using (var dead = await RunEngine.OpenAsync(directory.Path, RuntimeHarness.Catalog, new RuntimeOptions { Owner = DeadOwner(1_000) }))
        {
            var published = await dead.Definitions.PublishAsync("take-over", Chain, CancellationToken.None);
            id = await dead.CreateRunAsync(published.Version, []);
            await using var connection = await dead.Database.OpenConnectionAsync(CancellationToken.None);
            // What two earlier take-overs that found the owner dead, with nothing finished, leave behind.
            await connection.ExecuteAsync("UPDATE runs SET crash_takeovers = 2, crash_progress = 0 WHERE id = $id", CancellationToken.None, ("$id", id));
        }

        await using var successor = await RunEngine.OpenAsync(directory.Path, RuntimeHarness.Catalog, new RuntimeOptions { Owner = ProcessOwner.Current + "/next" });
        var status = await successor.ExecuteAsync(id).WaitAsync(RuntimeHarness.RunBound);

        Assert.Equal(RunStatus.Failed, status);
        var run = await successor.Runs.GetRunAsync(id, CancellationToken.None);
        Assert.Contains("died 3 times in a row", run!.Error, StringComparison.Ordinal);
        Assert.Contains("dead letter", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, Probe.For(id).Starts("first"));
    }

    private const string Gated = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: gated-take-over }
        steps:
          held: { uses: test.gate@1 }
          after: { uses: test.count@1, needs: [held], with: { value: after } }
        """;

    [Fact]
    public async Task A_process_whose_run_was_taken_over_while_it_was_paused_writes_nothing_more_of_it()
    {
        // A heartbeat that never comes stands for a process paused past its lease (a stopped VM, a long GC).
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { HeartbeatInterval = TimeSpan.FromHours(1), MaxParallel = 2 });
        var id = await harness.CreateRunAsync(Gated);
        var execution = harness.Engine.ExecuteAsync(id);
        await Probe.UntilAsync(() => Probe.For(id).Running == 1, "the held step runs");
        await TakeOverAsync(harness, id, "someone-else:1:1");

        Probe.For(id).Gate.Release(); // the paused process wakes up and finishes its step

        var error = await Assert.ThrowsAsync<RunRequestException>(() => execution.WaitAsync(RuntimeHarness.RunBound));
        Assert.Contains("taken over by another process", error.Message, StringComparison.Ordinal);
        var run = await harness.RunRowAsync(id);
        Assert.Equal("someone-else:1:1", run.Owner);
        Assert.Equal("running", (await harness.StepAsync(id, "held")).Status); // its late result was not written over the new owner's state
        Assert.Equal(0, Probe.For(id).Starts("after"));
    }

    [Fact]
    public async Task A_process_notices_within_a_heartbeat_that_its_run_was_taken_over_and_stops_its_steps()
    {
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(20), MaxParallel = 2 });
        var id = await harness.CreateRunAsync(Gated);
        var execution = harness.Engine.ExecuteAsync(id);
        await Probe.UntilAsync(() => Probe.For(id).Running == 1, "the held step runs");

        await TakeOverAsync(harness, id, "someone-else:1:1");

        var error = await Assert.ThrowsAsync<RunRequestException>(() => execution.WaitAsync(RuntimeHarness.RunBound));
        Assert.Contains("this process stopped executing it", error.Message, StringComparison.Ordinal);
        await Probe.UntilAsync(() => Probe.For(id).Finishes("held") == 1, "the held step is cancelled"); // never released: only cancellation ends it
        Assert.Equal("someone-else:1:1", (await harness.RunRowAsync(id)).Owner);
    }

    /// <summary>What another process's successful take-over leaves in the store.</summary>
    private static async Task TakeOverAsync(RuntimeHarness harness, string id, string owner)
    {
        await using var connection = await harness.Engine.Database.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync("UPDATE runs SET owner = $owner, lease_expires_at = $expires WHERE id = $id", CancellationToken.None,
            ("$owner", owner), ("$expires", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds()), ("$id", id));
    }

    private static async Task<(RunStatus? Status, string? Refusal)> ResumeAsync(RunEngine engine, string id)
    {
        await Task.Yield();
        try
        {
            return (await engine.ExecuteAsync(id), null);
        }
        catch (RunRequestException e)
        {
            return (null, e.Message);
        }
    }
}
