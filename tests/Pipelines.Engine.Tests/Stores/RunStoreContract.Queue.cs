using Pipelines.Persistence;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

// The run queue's rules: who may take a run over, what a journal that lost its run may write, leases, cancel
// requests, resuming a bookmark, reopening and counting crashes.
public abstract partial class RunStoreContract
{
    [Fact]
    public async Task A_run_with_no_owner_or_its_own_owner_is_taken()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("free", "pending", owner: null, lease: null), Ct);
        await runs.CreateAsync(Run("mine"), Ct);

        Assert.True(await runs.TryOwnAsync((await runs.GetRunAsync("free", Ct))!, Other, Now, Now + 10_000, false, Ct));
        Assert.True(await runs.TryOwnAsync((await runs.GetRunAsync("mine", Ct))!, Host, Now, Now + 60_000, false, Ct));

        Assert.Equal((Other, Now + 10_000), await OwnerAsync(runs, "free"));
        Assert.Equal((Host, Now + 60_000), await OwnerAsync(runs, "mine"));
    }

    [Fact]
    public async Task A_live_owner_keeps_its_run_until_its_lease_expires()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        var other = await HostAsync(Other);
        var read = (await other.GetRunAsync("r1", Ct))!;

        Assert.False(await other.TryOwnAsync(read, Other, Lease - 1, Lease + 30_000, false, Ct));
        Assert.Equal((Host, Lease), await OwnerAsync(runs, "r1"));
        // A read owner said to be dead is no reason when someone else holds the run now: the swap is on the owner read.
        Assert.False(await other.TryOwnAsync(read with { Owner = "ghost" }, Other, Lease - 1, Lease + 30_000, true, Ct));
        Assert.Equal((Host, Lease), await OwnerAsync(runs, "r1"));

        Assert.True(await other.TryOwnAsync(read, Other, Lease + 1, Lease + 30_000, false, Ct));
        Assert.Equal((Other, Lease + 30_000), await OwnerAsync(runs, "r1"));
    }

    [Fact]
    public async Task An_ended_run_is_never_taken()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1", "succeeded", owner: null, lease: null), Ct);
        await runs.CreateAsync(Run("r2", "cancelled", lease: Now), Ct);

        Assert.False(await runs.TryOwnAsync((await runs.GetRunAsync("r1", Ct))!, Other, Now, Lease, false, Ct));
        Assert.False(await runs.TryOwnAsync((await runs.GetRunAsync("r2", Ct))!, Other, Lease, Lease + 30_000, true, Ct));
        Assert.Equal((null, null), await OwnerAsync(runs, "r1"));
    }

    [Fact]
    public async Task Two_hosts_that_read_the_same_dead_owner_take_the_run_over_once()
    {
        var runs = await HostAsync("dead-host");
        var racers = new[] { await HostAsync(Other), await HostAsync("host-c") };
        for (var i = 0; i < 10; i++)
        {
            var id = $"r{i}";
            await runs.CreateAsync(Run(id, owner: "dead-host", lease: Now + 3_600_000), Ct); // its lease is far from expired
            var reads = await Task.WhenAll(racers.Select(r => r.GetRunAsync(id, Ct)));

            var won = await Task.WhenAll(racers.Select((r, n) => Task.Run(() =>
                r.TryOwnAsync(reads[n]!, n == 0 ? Other : "host-c", Now, Lease, readOwnerIsDead: true, Ct))));

            Assert.Single(won, w => w);
            Assert.Equal(won[0] ? Other : "host-c", (await OwnerAsync(runs, id)).Owner);
        }
    }

    [Fact]
    public async Task A_journal_of_a_host_whose_run_was_taken_over_writes_nothing_and_fails()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        var journal = runs.NewJournal("r1", 2);
        await journal.CommitAsync(Changes(null, Step("r1", "train")));
        var other = await HostAsync(Other);
        Assert.True(await other.TryOwnAsync((await other.GetRunAsync("r1", Ct))!, Other, Lease + 1, Lease + 30_000, false, Ct));

        var late = Changes(Run("r1", "succeeded") with { FinishedAt = Lease + 2 }, Step("r1", "train", "succeeded"));
        late.Logs.Add(new LogRow("r1", "train", 1, Lease + 2, "done"));
        var refused = await Assert.ThrowsAsync<RunTakenOverException>(() => journal.CommitAsync(late));
        Assert.Equal("r1", refused.RunId);
        await Assert.ThrowsAsync<RunTakenOverException>(() => journal.CommitAsync(Changes(null, Step("r1", "evaluate"))));

        var reader = await ReaderAsync();
        var run = (await reader.GetRunAsync("r1", Ct))!;
        Assert.Equal(("running", Other, (long?)null), (run.Status, run.Owner, run.FinishedAt));
        Assert.Equal([Step("r1", "train")], await reader.GetStepsAsync("r1", Ct));
        Assert.Empty(await reader.GetLogsAsync("r1", null, Ct));
    }

    [Fact]
    public async Task Hand_overs_of_many_runs_at_once_are_all_written_but_the_one_of_a_run_taken_over()
    {
        // The writer puts what several journals queued into one transaction: the fence refuses one run, not the others.
        var runs = await HostAsync();
        for (var i = 0; i < 20; i++) await runs.CreateAsync(Run($"r{i}"), Ct);
        var journals = Enumerable.Range(0, 20).Select(i => runs.NewJournal($"r{i}", 1)).ToList();
        var other = await HostAsync(Other);
        Assert.True(await other.TryOwnAsync((await other.GetRunAsync("r7", Ct))!, Other, Lease + 1, Lease + 30_000, false, Ct));

        var commits = journals.Select((j, i) => j.CommitAsync(Changes(null, Step($"r{i}", "train", "succeeded")))).ToList();

        await Assert.ThrowsAsync<RunTakenOverException>(() => commits[7]);
        await Task.WhenAll(commits.Where((_, i) => i != 7));
        var reader = await ReaderAsync();
        for (var i = 0; i < 20; i++) Assert.Equal(i == 7 ? [] : [Step($"r{i}", "train", "succeeded")], await reader.GetStepsAsync($"r{i}", Ct));
    }

    [Fact]
    public async Task The_hand_over_that_ends_a_run_is_written_and_one_after_it_is_refused()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        var journal = runs.NewJournal("r1", 2);

        await journal.CommitAsync(Changes(Run("r1", "succeeded", owner: null, lease: null) with { FinishedAt = Now + 9 }, Step("r1", "train", "succeeded")));
        await Assert.ThrowsAsync<RunTakenOverException>(() => journal.CommitAsync(Changes(null, Step("r1", "evaluate"))));

        var reader = await ReaderAsync();
        Assert.Equal(("succeeded", (long?)(Now + 9)), ((await reader.GetRunAsync("r1", Ct))!.Status, (await reader.GetRunAsync("r1", Ct))!.FinishedAt));
        Assert.Equal([Step("r1", "train", "succeeded")], await reader.GetStepsAsync("r1", Ct));
    }

    [Fact]
    public async Task Renewing_extends_the_owners_live_runs_and_returns_those_cancelled_and_those_lost()
    {
        var runs = await HostAsync();
        var other = await HostAsync(Other);
        await runs.CreateAsync(Run("running"), Ct);
        await runs.CreateAsync(Run("pending", "pending"), Ct);
        await runs.CreateAsync(Run("waiting", "waiting"), Ct);
        await runs.CreateAsync(Run("cancel-me"), Ct);
        await runs.CreateAsync(Run("detached", owner: null, lease: null), Ct);
        await other.CreateAsync(Run("taken", owner: Other), Ct);
        await other.CreateAsync(Run("theirs-cancelled", owner: Other), Ct);
        Assert.True(await runs.RequestCancelAsync("cancel-me", Ct));
        Assert.True(await runs.RequestCancelAsync("theirs-cancelled", Ct));

        var (cancelled, lost) = await runs.RenewAsync(Host, Now + 90_000, ["running", "taken", "detached", "cancel-me"], Ct);

        Assert.Equal(["cancel-me"], cancelled);
        Assert.Equal(["taken"], lost);
        Assert.Equal((Host, Now + 90_000), await OwnerAsync(runs, "running"));
        Assert.Equal((Host, Now + 90_000), await OwnerAsync(runs, "pending"));
        Assert.Equal((Host, Now + 90_000), await OwnerAsync(runs, "cancel-me"));
        Assert.Equal((Host, Lease), await OwnerAsync(runs, "waiting"));
        Assert.Equal((Other, Lease), await OwnerAsync(runs, "taken"));
        Assert.Equal((null, null), await OwnerAsync(runs, "detached"));
    }

    [Fact]
    public async Task A_cancel_request_stays_whatever_a_later_hand_over_says()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);

        Assert.True(await runs.RequestCancelAsync("r1", Ct));
        Assert.False(await runs.RequestCancelAsync("r2", Ct));
        await runs.NewJournal("r1", 1).CommitAsync(Changes(Run("r1") with { CancelRequested = false }));

        Assert.True((await (await ReaderAsync()).GetRunAsync("r1", Ct))!.CancelRequested);
    }

    [Fact]
    public async Task A_hand_over_never_moves_a_lease_back_and_drops_it_with_the_owner()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        await runs.RenewAsync(Host, Now + 90_000, [], Ct);
        var journal = runs.NewJournal("r1", 1);

        await journal.CommitAsync(Changes(Run("r1", lease: Now + 40_000)));
        Assert.Equal((Host, Now + 90_000), await OwnerAsync(runs, "r1"));
        await journal.CommitAsync(Changes(Run("r1", lease: Now + 120_000)));
        Assert.Equal((Host, Now + 120_000), await OwnerAsync(runs, "r1"));

        await journal.CommitAsync(Changes(Run("r1", owner: null, lease: null))); // detached: it resumes at once elsewhere
        Assert.Equal((null, null), await OwnerAsync(runs, "r1"));
    }

    [Fact]
    public async Task Resuming_a_bookmark_makes_the_step_ready_and_the_run_running_once()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        await runs.NewJournal("r1", 2).CommitAsync(Changes(Run("r1", "waiting", owner: null, lease: null),
            Step("r1", "prepare", "succeeded"), Step("r1", "review", "waiting", bookmark: "review-7")));
        var api = await ReaderAsync();

        Assert.False(await api.ResumeBookmarkAsync("r1", "review", "review-8", """{"decision":"approve"}""", Ct));
        Assert.False(await api.ResumeBookmarkAsync("r1", "prepare", "review-7", """{"decision":"approve"}""", Ct));
        Assert.Equal("waiting", (await api.GetRunAsync("r1", Ct))!.Status);

        Assert.True(await api.ResumeBookmarkAsync("r1", "review", "review-7", """{"decision":"approve"}""", Ct));
        Assert.False(await api.ResumeBookmarkAsync("r1", "review", "review-7", """{"decision":"reject"}""", Ct));

        Assert.Equal("running", (await api.GetRunAsync("r1", Ct))!.Status);
        Assert.Equal([Step("r1", "prepare", "succeeded"), Step("r1", "review", "ready") with { Resume = """{"decision":"approve"}""" }],
            await api.GetStepsAsync("r1", Ct));
    }

    [Fact]
    public async Task Reopening_a_failed_run_puts_back_what_did_not_succeed_and_keeps_what_did()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        var failed = Run("r1", "failed") with { FinishedAt = Now + 50, Error = "train failed" };
        var train = Step("r1", "train", "failed", attempts: 3, failures: 3, error: "oom") with { FinishedAt = Now + 40, NextAttemptAt = Now + 99 };
        StepRow[] steps =
        [
            Step("r1", "prepare", "succeeded", outputs: """{"rows":10}""") with { FinishedAt = Now + 1 },
            train,
            Step("r1", "sweep", "failed", error: "a combination failed"),
            Step("r1", "sweep[0]", "succeeded", parent: "sweep", outputs: "{}"),
            Step("r1", "sweep[1]", "cancelled", parent: "sweep", error: "cancelled"),
            Step("r1", "notify", "skipped", attempts: 0),
        ];
        await runs.NewJournal("r1", steps.Length).CommitAsync(Changes(failed, steps));
        await runs.RequestCancelAsync("r1", Ct);
        var api = await ReaderAsync();

        Assert.True(await api.ReopenAsync("r1", Ct));

        var run = (await api.GetRunAsync("r1", Ct))!;
        Assert.Equal(("pending", null, null, false, null, null),
            (run.Status, run.Error, run.FinishedAt, run.CancelRequested, run.Owner, run.LeaseExpiresAt));
        StepRow Back(StepRow s, string status) => s with
        {
            Status = status, Failures = 0, FinishedAt = null, NextAttemptAt = null, LeaseOwner = null, Outputs = null, Error = null,
        };
        Assert.Equal([steps[0], Back(train, "pending"), Back(steps[2], "running"), steps[3], Back(steps[4], "ready"), Back(steps[5], "pending")],
            await api.GetStepsAsync("r1", Ct));
        Assert.False(await api.ReopenAsync("r1", Ct)); // pending now: nothing to reopen
    }

    [Fact]
    public async Task Only_a_failed_or_cancelled_run_is_reopened()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("done", "succeeded", owner: null, lease: null), Ct);
        await runs.CreateAsync(Run("live"), Ct);
        await runs.CreateAsync(Run("stopped", "cancelled", owner: null, lease: null), Ct);

        Assert.False(await runs.ReopenAsync("done", Ct));
        Assert.False(await runs.ReopenAsync("live", Ct));
        Assert.False(await runs.ReopenAsync("missing", Ct));
        Assert.True(await runs.ReopenAsync("stopped", Ct));

        Assert.Equal("succeeded", (await runs.GetRunAsync("done", Ct))!.Status);
        Assert.Equal(("running", Host), ((await runs.GetRunAsync("live", Ct))!.Status, (await runs.GetRunAsync("live", Ct))!.Owner));
        Assert.Equal("pending", (await runs.GetRunAsync("stopped", Ct))!.Status);
    }

    [Fact]
    public async Task Take_overs_from_a_dead_owner_count_in_a_row_while_nothing_finishes_and_reopening_forgets_them()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);

        int[] unchanged = [await runs.CountCrashTakeOverAsync("r1", 3, Ct), await runs.CountCrashTakeOverAsync("r1", 3, Ct),
            await runs.CountCrashTakeOverAsync("r1", 3, Ct)];
        int[] afterProgress = [await runs.CountCrashTakeOverAsync("r1", 4, Ct), await runs.CountCrashTakeOverAsync("r1", 4, Ct)];

        Assert.Equal([1, 2, 3], unchanged);
        Assert.Equal([1, 2], afterProgress);
        Assert.Equal(0, await runs.CountCrashTakeOverAsync("missing", 4, Ct));

        await runs.NewJournal("r1", 0).CommitAsync(Changes(Run("r1", "failed")));
        Assert.True(await runs.ReopenAsync("r1", Ct));
        Assert.Equal(1, await runs.CountCrashTakeOverAsync("r1", 4, Ct));
    }

    private async Task<(string? Owner, long? Lease)> OwnerAsync(IRunStore runs, string id)
    {
        var run = (await runs.GetRunAsync(id, Ct))!;
        return (run.Owner, run.LeaseExpiresAt);
    }
}
