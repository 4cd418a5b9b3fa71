using Pipelines.Artifacts;
using Pipelines.Persistence;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>
/// The rules of <see cref="IRunStore"/> and its <see cref="IRunJournal"/>, on each store. A store opened with an owner
/// is a host executing runs; opening another with another owner is a second host. Times are fixed numbers: the store
/// compares the ones it is given, it never reads a clock.
/// </summary>
public abstract class RunStoreContract(StoreTarget target) : StoreContract(target)
{
    private const string Host = "host-a";
    private const string Other = "host-b";
    private const long Now = 1_740_821_400_123;
    private const long Lease = Now + 30_000;

    private static RunRow Run(string id, string status = "running", string pipeline = "email-subjects", long createdAt = Now,
        string? owner = Host, long? lease = Lease) =>
        new(id, pipeline, 1, status, "{}", "manual", false, null, createdAt, null, null, null, false, owner, lease);

    private static StepRow Step(string runId, string id, string status = "running", int attempts = 1, int failures = 0, string? parent = null,
        string? outputs = null, string? error = null, string? bookmark = null) =>
        new(runId, id, parent, parent is null ? null : """{"lr":0.1}""", status, attempts, failures, false, Now, null, null, Host, "{}", outputs,
            error, null, bookmark);

    private static RunChanges Changes(RunRow? run = null, params StepRow[] steps)
    {
        var changes = new RunChanges { Run = run };
        changes.Steps.AddRange(steps);
        return changes;
    }

    private static RunChanges Logged(params LogRow[] lines)
    {
        var changes = new RunChanges();
        changes.Logs.AddRange(lines);
        return changes;
    }

    private async Task<IRunStore> HostAsync(string owner = Host) => (await OpenAsync(owner)).Runs;

    /// <summary>A store of a host that only reads: the API of another process.</summary>
    private async Task<IRunStore> ReaderAsync() => (await OpenAsync()).Runs;

    [Fact]
    public async Task A_created_run_reads_back_as_written_on_another_host()
    {
        var runs = await HostAsync();
        var run = new RunRow("r1", "email-subjects", 3, "pending", """{"name":"Zoë ✓","lr":0.1}""", "schedule", true, 60_000, Now, null, null, null,
            false, Host, Lease);

        await runs.CreateAsync(run, Ct);

        var reader = await ReaderAsync();
        Assert.Equal(run, await reader.GetRunAsync("r1", Ct));
        Assert.Null(await reader.GetRunAsync("r2", Ct));
        Assert.Empty(await reader.GetStepsAsync("r1", Ct));
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_ties_by_id_in_code_point_order_and_filtered()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("run-1", "pending", createdAt: Now), Ct);
        await runs.CreateAsync(Run("run-a", "pending", "other", createdAt: Now + 1), Ct);
        await runs.CreateAsync(Run("run-B", "running", createdAt: Now + 1), Ct);
        await runs.CreateAsync(Run("run-0", "failed", createdAt: Now + 2), Ct);

        var reader = await ReaderAsync();
        async Task<string[]> Ids(string? pipeline, string? status, int limit = 10) =>
            [.. (await reader.ListRunsAsync(pipeline, status, limit, Ct)).Select(r => r.Id)];

        // 'a' sorts after 'B' by code point (not in a locale's order), so descending it comes first.
        Assert.Equal(["run-0", "run-a", "run-B", "run-1"], await Ids(null, null));
        Assert.Equal(["run-0", "run-B", "run-1"], await Ids("email-subjects", null));
        Assert.Equal(["run-B"], await Ids(null, "running"));
        Assert.Equal(["run-a"], await Ids("other", "pending"));
        Assert.Empty(await Ids("other", "running"));
        Assert.Equal(["run-0", "run-a"], await Ids(null, null, limit: 2));
    }

    [Fact]
    public async Task A_hand_over_is_visible_to_another_host_once_its_commit_completes()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1", "pending"), Ct);
        var journal = runs.NewJournal("r1", 2);

        await journal.CommitAsync(Changes(Run("r1") with { StartedAt = Now }, Step("r1", "prepare"), Step("r1", "train", "ready", attempts: 0)));

        var reader = await ReaderAsync();
        var run = await reader.GetRunAsync("r1", Ct);
        Assert.Equal(("running", Now), (run?.Status, run?.StartedAt));
        Assert.Equal([Step("r1", "prepare"), Step("r1", "train", "ready", attempts: 0)], await reader.GetStepsAsync("r1", Ct));
    }

    [Fact]
    public async Task Steps_read_back_in_the_order_first_stored_as_the_last_hand_over_left_them()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        var journal = runs.NewJournal("r1", 4);

        // Handed over without waiting, as a coordinator does: the store may commit them together.
        var commits = new[]
        {
            journal.CommitAsync(Changes(null, Step("r1", "b"), Step("r1", "a"))),
            journal.CommitAsync(Changes(null, Step("r1", "c"), Step("r1", "a", "succeeded", outputs: """{"n":1}"""))),
            journal.CommitAsync(Changes(null, Step("r1", "d", "ready", attempts: 0), Step("r1", "b", "failed", attempts: 2, failures: 2, error: "oom"))),
        };
        await Task.WhenAll(commits);

        StepRow[] expected =
        [
            Step("r1", "b", "failed", attempts: 2, failures: 2, error: "oom"), Step("r1", "a", "succeeded", outputs: """{"n":1}"""),
            Step("r1", "c"), Step("r1", "d", "ready", attempts: 0),
        ];
        Assert.Equal(expected, await (await ReaderAsync()).GetStepsAsync("r1", Ct));
        Assert.Equal(expected, (await (await HostAsync()).OpenJournalAsync("r1", Ct)).Stored);
    }

    [Fact]
    public async Task A_journal_opened_on_a_stored_run_adds_new_steps_after_the_stored_ones()
    {
        var first = await HostAsync();
        await first.CreateAsync(Run("r1"), Ct);
        await first.NewJournal("r1", 2).CommitAsync(Changes(null, Step("r1", "z"), Step("r1", "m")));
        var second = await HostAsync(Other);
        Assert.True(await second.TryOwnAsync((await second.GetRunAsync("r1", Ct))!, Other, Lease + 1, Lease + 30_000, false, Ct));

        var journal = await second.OpenJournalAsync("r1", Ct);
        Assert.Equal(["z", "m"], journal.Stored.Select(s => s.StepId));
        await journal.CommitAsync(Changes(null, Step("r1", "a"), Step("r1", "z", "succeeded")));

        Assert.Equal(["z", "m", "a"], (await second.GetStepsAsync("r1", Ct)).Select(s => s.StepId));
        Assert.Equal("succeeded", (await second.GetStepsAsync("r1", Ct))[0].Status);
    }

    [Fact]
    public async Task Step_fields_read_back_as_written_null_empty_and_unicode_alike()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        StepRow[] steps =
        [
            new("r1", "sweep", null, null, "running", 0, 0, false, Now, null, null, null, "{}", null, null, null),
            new("r1", "sweep[0]", "sweep", """{"lr":0.1}""", "succeeded", 1, 0, true, Now, Now + 5, null, null, "{}", """{"x":"é"}""", null, "k1"),
            new("r1", "sweep[1]", "sweep", """{"lr":0.2}""", "failed", 2, 2, false, Now, Now + 9, Now + 60_000, Host, "{}", null, "", "k2"),
            new("r1", "review", null, null, "waiting", 1, 0, false, Now, null, null, null, """{"a":[1,"ü"]}""", null, "Zoë ✓ failed", null,
                "review-7", """{"decisions":[1,"ü"]}"""),
        ];

        await runs.NewJournal("r1", 4).CommitAsync(Changes(null, steps));

        Assert.Equal(steps, await (await ReaderAsync()).GetStepsAsync("r1", Ct));
    }

    [Fact]
    public async Task Logs_of_a_step_are_its_own_and_its_matrix_childrens_in_time_order()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        await runs.NewJournal("r1", 3).CommitAsync(Logged(
            new("r1", "sweep", 5, Now + 3, "done"), new("r1", "sweep[1]", 4, Now + 2, "one"), new("r1", "sweep[0]", 3, Now + 1, "zero"),
            new("r1", "sweeper", 2, Now + 1, "not a child"), new("r1", "train", 1, Now, "start")));
        var reader = await ReaderAsync();

        Assert.Equal(["zero", "one", "done"], (await reader.GetLogsAsync("r1", "sweep", Ct)).Select(l => l.Line));
        Assert.Equal(["start", "zero", "not a child", "one", "done"], (await reader.GetLogsAsync("r1", null, Ct)).Select(l => l.Line));
        Assert.Equal(new LogRow("r1", "sweep[1]", 4, Now + 2, "one"), Assert.Single(await reader.GetLogsAsync("r1", "sweep[1]", Ct)));
        Assert.Empty(await reader.GetLogsAsync("r2", null, Ct));
    }

    [Fact]
    public async Task A_step_filter_matches_ids_exactly_not_as_a_pattern()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        string[] ids = ["a", "a[1]", "ab", "a_b", "aXb", "a_b[0]", "a%", "a%b"];
        await runs.NewJournal("r1", ids.Length).CommitAsync(Logged([.. ids.Select((id, i) => new LogRow("r1", id, i, Now + i, id))]));
        var reader = await ReaderAsync();

        Assert.Equal(["a", "a[1]"], (await reader.GetLogsAsync("r1", "a", Ct)).Select(l => l.StepId));
        Assert.Equal(["a_b", "a_b[0]"], (await reader.GetLogsAsync("r1", "a_b", Ct)).Select(l => l.StepId));
        Assert.Equal(["aXb"], (await reader.GetLogsAsync("r1", "aXb", Ct)).Select(l => l.StepId));
        Assert.Equal(["a%"], (await reader.GetLogsAsync("r1", "a%", Ct)).Select(l => l.StepId));
        Assert.Empty(await reader.GetLogsAsync("r1", "a[", Ct));
    }

    [Fact]
    public async Task A_log_line_handed_over_twice_is_stored_once()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        var journal = runs.NewJournal("r1", 1);
        var line = new LogRow("r1", "train", 7, Now, "epoch 1");

        await Task.WhenAll(journal.CommitAsync(Logged(line)), journal.CommitAsync(Logged(line, line)));
        await journal.CommitAsync(Logged(line));

        Assert.Equal(line, Assert.Single(await runs.GetLogsAsync("r1", null, Ct)));
    }

    [Fact]
    public async Task Cached_outputs_are_found_by_key_and_the_last_entry_stored_wins()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        await runs.CreateAsync(Run("r2"), Ct);
        var changes = new RunChanges();
        changes.Cache.Add(new CacheRow("k1", """{"x":1}""", "r1", "train", Now));
        changes.Cache.Add(new CacheRow("k2", """{"y":"é"}""", "r1", "eval", Now));
        changes.Cache.Add(new CacheRow("k1", """{"x":2}""", "r1", "train", Now + 1));
        await runs.NewJournal("r1", 2).CommitAsync(changes);
        var reader = await ReaderAsync();
        Assert.Equal("""{"x":2}""", await reader.GetCachedOutputsAsync("k1", Ct));

        var again = new RunChanges();
        again.Cache.Add(new CacheRow("k1", """{"x":3}""", "r2", "train", Now + 2));
        await runs.NewJournal("r2", 1).CommitAsync(again);

        Assert.Equal("""{"x":3}""", await reader.GetCachedOutputsAsync("k1", Ct));
        Assert.Equal("""{"y":"é"}""", await reader.GetCachedOutputsAsync("k2", Ct));
        Assert.Null(await reader.GetCachedOutputsAsync("k3", Ct));
    }

    [Fact]
    public async Task Lineage_handed_over_is_recorded_in_the_artifact_index()
    {
        var stores = await OpenAsync(Host);
        var artifacts = new ArtifactStore(stores.Artifacts, FilesPath, Time);
        var dataset = await artifacts.PutTextAsync("prompt,completion\n", "dataset", Ct);
        var adapter = await artifacts.PutTextAsync("weights", "adapter", Ct);
        await stores.Runs.CreateAsync(Run("r1"), Ct);
        var changes = Changes(null, Step("r1", "train", "succeeded"));
        changes.Lineage.Add(new LineageRow(dataset.Digest, "r1", "train", Produced: false));
        changes.Lineage.Add(new LineageRow(adapter.Digest, "r1", "train", Produced: true));
        changes.Lineage.Add(new LineageRow(adapter.Digest, "r1", "copy", Produced: true));
        changes.Lineage.Add(new LineageRow(new string('c', 64), "r1", "train", Produced: false)); // never stored here: not recorded

        await stores.Runs.NewJournal("r1", 1).CommitAsync(changes);

        var index = (await OpenAsync()).Artifacts;
        Assert.Equal(new RunStep("r1", "train"), (await index.GetLineageAsync(adapter, Ct))?.Producer);
        Assert.Equal([new RunStep("r1", "train")], (await index.GetLineageAsync(dataset, Ct))?.Consumers ?? []);
        Assert.Null(await index.GetLineageAsync(new ArtifactReference(new string('c', 64)), Ct));
    }

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

    [Fact]
    public async Task Eight_journals_committing_at_once_store_every_hand_over_in_order()
    {
        const int Runs = 8, HandOvers = 50;
        var runs = await HostAsync();
        for (var r = 0; r < Runs; r++) await runs.CreateAsync(Run($"r{r}"), Ct);

        await Task.WhenAll(Enumerable.Range(0, Runs).Select(r => Task.Run(async () =>
        {
            var id = $"r{r}";
            var journal = runs.NewJournal(id, HandOvers);
            var commits = new List<Task>();
            for (var i = 0; i < HandOvers; i++)
            {
                var changes = Changes(null, Step(id, "counter", attempts: i), Step(id, $"s{i}", "succeeded"));
                changes.Logs.Add(new LogRow(id, "counter", i, Now, $"hand-over {i}"));
                commits.Add(journal.CommitAsync(changes)); // not awaited one by one: the store groups what queues up
            }

            await Task.WhenAll(commits);
        })));

        var reader = await ReaderAsync();
        for (var r = 0; r < Runs; r++)
        {
            var id = $"r{r}";
            Assert.Equal([Step(id, "counter", attempts: HandOvers - 1), .. Enumerable.Range(0, HandOvers).Select(i => Step(id, $"s{i}", "succeeded"))],
                await reader.GetStepsAsync(id, Ct));
            Assert.Equal(Enumerable.Range(0, HandOvers).Select(i => $"hand-over {i}"), (await reader.GetLogsAsync(id, "counter", Ct)).Select(l => l.Line));
        }
    }

    [Fact]
    public async Task Disposing_a_store_writes_every_hand_over_first_and_refuses_later_ones()
    {
        var runs = await HostAsync();
        await runs.CreateAsync(Run("r1"), Ct);
        var journal = runs.NewJournal("r1", 1);
        var commits = Enumerable.Range(0, 30).Select(i => journal.CommitAsync(Changes(null, Step("r1", "train", attempts: i)))).ToList();

        await runs.DisposeAsync();

        Assert.All(commits, c => Assert.True(c.IsCompletedSuccessfully));
        Assert.Equal([Step("r1", "train", attempts: 29)], await (await ReaderAsync()).GetStepsAsync("r1", Ct));
        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => journal.CommitAsync(Changes(null, Step("r1", "train", attempts: 30))));
    }

    [Fact]
    public async Task A_store_opened_without_an_owner_only_reads()
    {
        var reader = await ReaderAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.CreateAsync(Run("r1"), Ct));
        Assert.Throws<InvalidOperationException>(() => reader.NewJournal("r1", 1));
        Assert.Null(await reader.GetRunAsync("r1", Ct));
    }

    private async Task<(string? Owner, long? Lease)> OwnerAsync(IRunStore runs, string id)
    {
        var run = (await runs.GetRunAsync(id, Ct))!;
        return (run.Owner, run.LeaseExpiresAt);
    }
}

public sealed class SqliteRunStoreTests() : RunStoreContract(new SqliteTarget());

public sealed class PostgresRunStoreTests() : RunStoreContract(new PostgresTarget());
