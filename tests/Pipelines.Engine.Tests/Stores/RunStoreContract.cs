using Pipelines.Artifacts;
using Pipelines.Persistence;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>
/// The rules of <see cref="IRunStore"/> and its <see cref="IRunJournal"/>, on each store. A store opened with an owner
/// is a host executing runs; opening another with another owner is a second host. Times are fixed numbers: the store
/// compares the ones it is given, it never reads a clock. This file: what a run and its steps read back as; the queue
/// (ownership, fencing, leases, resuming, reopening) is in <c>RunStoreContract.Queue.cs</c>.
/// </summary>
public abstract partial class RunStoreContract(StoreTarget target) : StoreContract(target)
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
}

public sealed class SqliteRunStoreTests() : RunStoreContract(new SqliteTarget());

public sealed class PostgresRunStoreTests() : RunStoreContract(new PostgresTarget());
