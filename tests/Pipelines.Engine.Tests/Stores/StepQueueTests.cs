using Npgsql;
using Pipelines.Persistence.Postgres;
using Pipelines.Runtime.Stores;
using Pipelines.Tests;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>
/// The step queue on a real PostgreSQL: claims under contention, pools, leases that lapse, claims that fence the
/// outcome, the adoption rule a coordinator that took a run over relies on, and the record of where each attempt ran.
/// </summary>
public sealed class StepQueueTests : IAsyncLifetime
{
    private const long Lease = 30_000;

    private PostgresStore _store = null!;
    private PostgresStepQueue _queue = null!;

    public async Task InitializeAsync()
    {
        _store = await PostgresStore.OpenAsync(await TestPostgres.CreateDatabaseAsync("queue"));
        _queue = new PostgresStepQueue(_store.DataSource);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private static StepTicket Ticket(string step, int attempt = 1, string? pool = null, long queuedAt = 1, string run = "r1") =>
        new(new StepKey(run, step), attempt, pool, "core.sleep@1", """{"seconds":0}""", null, false, null, null, queuedAt);

    [Fact]
    public async Task Parallel_claimers_take_each_ticket_once_oldest_first()
    {
        for (var i = 0; i < 40; i++) await _queue.EnqueueAsync(Ticket($"s{i:00}", queuedAt: i), adopt: false, CancellationToken.None);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var mine = new List<ClaimedTicket>();
            while (await _queue.ClaimAsync($"w{w}", [], 100, 100 + Lease, CancellationToken.None) is { } claim) mine.Add(claim);
            return mine;
        })));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Select(c => c.Ticket.Step.StepId).Distinct().Count());
        Assert.All(all, c => Assert.Equal(1, c.Claims));
        // Each claimer's own claims come in queue order.
        Assert.All(claims, mine => Assert.Equal(mine.OrderBy(c => c.Ticket.QueuedAt).Select(c => c.Ticket.Step.StepId), mine.Select(c => c.Ticket.Step.StepId)));
    }

    [Fact]
    public async Task Live_lines_and_progress_are_read_past_the_cursor_for_the_current_claim_only()
    {
        var step = new StepKey("r1", "s");
        await _queue.EnqueueAsync(Ticket("s"), false, CancellationToken.None);
        var first = (await _queue.ClaimAsync("a", [], 100, 100 + Lease, CancellationToken.None))!;
        await _queue.AppendLiveAsync([new LiveUpdate(first, 0, ["l0", "l1"], """{"fraction":0.25}""", 1)], CancellationToken.None);

        var news = Assert.Single(await _queue.LiveAsync([new LiveCursor(step, 1, 0, 0, 0)], CancellationToken.None));
        Assert.Equal((1, 0, "l0,l1", """{"fraction":0.25}""", 1), (news.Claim, news.FirstLine, string.Join(',', news.Lines), news.Progress, news.ProgressSeq));
        var nothing = Assert.Single(await _queue.LiveAsync([new LiveCursor(step, 1, 1, 2, 1)], CancellationToken.None));
        Assert.Equal((0, (string?)null), (nothing.Lines.Count, nothing.Progress));

        // Lines come without gaps: line 4 waits for lines 2 and 3, and a line written twice is kept once.
        await _queue.AppendLiveAsync([new LiveUpdate(first, 4, ["l4"], null, 1), new LiveUpdate(first, 0, ["again"], null, 1)], CancellationToken.None);
        Assert.Empty(Assert.Single(await _queue.LiveAsync([new LiveCursor(step, 1, 1, 2, 1)], CancellationToken.None)).Lines);
        await _queue.AppendLiveAsync([new LiveUpdate(first, 2, ["l2", "l3"], null, 1)], CancellationToken.None);
        Assert.Equal(["l2", "l3", "l4"], Assert.Single(await _queue.LiveAsync([new LiveCursor(step, 1, 1, 2, 1)], CancellationToken.None)).Lines);

        // Another worker claims it after the lease lapsed: its lines count from 0, and the first worker reports nothing over it.
        var second = (await _queue.ClaimAsync("b", [], 101 + Lease, 101 + 2 * Lease, CancellationToken.None))!;
        await _queue.AppendLiveAsync([new LiveUpdate(second, 0, ["m0"], null, 0), new LiveUpdate(first, 5, ["l5"], """{"fraction":0.9}""", 2)], CancellationToken.None);
        news = Assert.Single(await _queue.LiveAsync([new LiveCursor(step, 1, 1, 5, 1)], CancellationToken.None));
        Assert.Equal((2, 0, "m0", (string?)null), (news.Claim, news.FirstLine, string.Join(',', news.Lines), news.Progress));

        // Once finished there is nothing live, and the lines are gone.
        Assert.True(await _queue.FinishAsync(second, "{}", "succeeded", 500, CancellationToken.None));
        Assert.Empty(await _queue.LiveAsync([new LiveCursor(step, 1, 2, 1, 0)], CancellationToken.None));
        await using var count = _store.DataSource.CreateCommand("SELECT count(*) FROM step_live");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_pooled_ticket_goes_only_to_a_worker_of_its_pool_and_an_unpooled_one_to_any()
    {
        await _queue.EnqueueAsync(Ticket("train", pool: "gpu", queuedAt: 1), false, CancellationToken.None);
        await _queue.EnqueueAsync(Ticket("prep", queuedAt: 2), false, CancellationToken.None);

        var cpu = await _queue.ClaimAsync("cpu-worker", [], 10, 10 + Lease, CancellationToken.None);
        var cpuAgain = await _queue.ClaimAsync("cpu-worker", ["other"], 10, 10 + Lease, CancellationToken.None);
        var gpu = await _queue.ClaimAsync("gpu-worker", ["gpu"], 10, 10 + Lease, CancellationToken.None);

        Assert.Equal("prep", cpu!.Ticket.Step.StepId);
        Assert.Null(cpuAgain);
        Assert.Equal(("train", "gpu"), (gpu!.Ticket.Step.StepId, gpu.Ticket.Pool));
    }

    [Fact]
    public async Task A_lapsed_lease_lets_another_worker_claim_and_fences_the_first_claims_outcome()
    {
        await _queue.EnqueueAsync(Ticket("s"), false, CancellationToken.None);
        var first = await _queue.ClaimAsync("a", [], 100, 100 + Lease, CancellationToken.None);
        Assert.Null(await _queue.ClaimAsync("b", [], 100 + Lease - 1, 200 + Lease, CancellationToken.None)); // still a's

        var second = await _queue.ClaimAsync("b", [], 101 + Lease, 101 + 2 * Lease, CancellationToken.None);

        Assert.Equal((1, 2), (first!.Claims, second!.Claims));
        Assert.False(await _queue.FinishAsync(first, """{"late":true}""", "succeeded", 300, CancellationToken.None));
        Assert.True(await _queue.FinishAsync(second, """{"ok":true}""", "succeeded", 400, CancellationToken.None));
        var finished = Assert.Single(await _queue.FinishedAsync([new StepKey("r1", "s")], CancellationToken.None));
        Assert.Equal(("""{"ok":true}""", 2), (finished.Outcome, finished.Claims));

        var attempts = await _queue.AttemptsAsync("r1", CancellationToken.None);
        // The record shows both attempts as they ran: a's ended too, though its outcome was refused.
        Assert.Equal([("a", 1, (long?)300, (string?)"succeeded"), ("b", 2, 400, "succeeded")],
            attempts.Select(a => (a.Owner, a.Claim, a.FinishedAt, a.Ended)).ToList());
    }

    [Fact]
    public async Task Renewal_keeps_a_claim_past_its_first_lease_and_names_claims_lost_or_of_cancelled_runs()
    {
        await CreateRunAsync("r1");
        await CreateRunAsync("r2");
        await _queue.EnqueueAsync(Ticket("kept"), false, CancellationToken.None);
        await _queue.EnqueueAsync(Ticket("lost", queuedAt: 2), false, CancellationToken.None);
        await _queue.EnqueueAsync(Ticket("cancelled", queuedAt: 3, run: "r2"), false, CancellationToken.None);
        var kept = (await _queue.ClaimAsync("a", [], 100, 100 + Lease, CancellationToken.None))!;
        var lost = (await _queue.ClaimAsync("a", [], 100, 100 + Lease, CancellationToken.None))!;
        var cancelled = (await _queue.ClaimAsync("a", [], 100, 100 + Lease, CancellationToken.None))!;
        await _queue.ReleaseAsync(lost, 150, CancellationToken.None); // as if its lease lapsed and ...
        Assert.NotNull(await _queue.ClaimAsync("b", [], 160, 160 + Lease, CancellationToken.None)); // ... b took it
        await ExecuteAsync("UPDATE runs SET cancel_requested = true WHERE id = 'r2'");

        var stop = await _queue.RenewAsync("a", 10 * Lease, [kept, lost, cancelled], CancellationToken.None);

        Assert.Equal(["cancelled", "lost"], stop.Select(s => s.StepId).Order());
        // Past the leases a first took: kept's and cancelled's were extended, and lost is b's now.
        Assert.Null(await _queue.ClaimAsync("c", [], 130 + Lease, 131 + 2 * Lease, CancellationToken.None));
    }

    [Fact]
    public async Task An_adopting_enqueue_keeps_the_ticket_of_the_attempt_before_and_a_plain_one_replaces_it()
    {
        await _queue.EnqueueAsync(Ticket("s", attempt: 1), false, CancellationToken.None);
        var running = (await _queue.ClaimAsync("a", [], 100, 100 + Lease, CancellationToken.None))!;

        // The coordinator died and its successor relaunches the step as attempt 2: the worker's attempt 1 is adopted.
        await _queue.EnqueueAsync(Ticket("s", attempt: 2), adopt: true, CancellationToken.None);
        Assert.Null(await _queue.ClaimAsync("b", [], 110, 110 + Lease, CancellationToken.None));
        Assert.True(await _queue.FinishAsync(running, """{"n":1}""", "failed", 120, CancellationToken.None));
        Assert.Equal(2, Assert.Single(await _queue.FinishedAsync([new StepKey("r1", "s")], CancellationToken.None)).Attempt);

        // Adopting what is two attempts old would replay an outcome already applied: replaced instead.
        await _queue.EnqueueAsync(Ticket("s", attempt: 4), adopt: true, CancellationToken.None);
        Assert.Empty(await _queue.FinishedAsync([new StepKey("r1", "s")], CancellationToken.None));
        var fresh = await _queue.ClaimAsync("b", [], 130, 130 + Lease, CancellationToken.None);
        Assert.Equal((4, 1), (fresh!.Ticket.Attempt, fresh.Claims));

        // A retry after a failure (no adoption) replaces the finished ticket.
        Assert.True(await _queue.FinishAsync(fresh, """{"n":4}""", "failed", 140, CancellationToken.None));
        await _queue.EnqueueAsync(Ticket("s", attempt: 5), adopt: false, CancellationToken.None);
        Assert.Empty(await _queue.FinishedAsync([new StepKey("r1", "s")], CancellationToken.None));
        Assert.Equal(5, (await _queue.ClaimAsync("c", [], 150, 150 + Lease, CancellationToken.None))!.Ticket.Attempt);
    }

    [Fact]
    public async Task Finishing_and_claiming_in_one_go_stores_the_outcome_and_hands_over_the_next_ticket_of_the_workers_pools()
    {
        await _queue.EnqueueAsync(Ticket("first", queuedAt: 1), false, CancellationToken.None);
        await _queue.EnqueueAsync(Ticket("gpu-only", pool: "gpu", queuedAt: 2), false, CancellationToken.None);
        await _queue.EnqueueAsync(Ticket("second", queuedAt: 3), false, CancellationToken.None);
        var first = (await _queue.ClaimAsync("a", [], 10, 10 + Lease, CancellationToken.None))!;

        var (finished, next) = await _queue.FinishAndClaimAsync(first, """{"n":1}""", "succeeded", [], 20, 20 + Lease, CancellationToken.None);
        var (finishedLast, none) = await _queue.FinishAndClaimAsync(next!, """{"n":2}""", "succeeded", [], 30, 30 + Lease, CancellationToken.None);
        var (stale, _) = await _queue.FinishAndClaimAsync(first, """{"n":3}""", "succeeded", [], 40, 40 + Lease, CancellationToken.None);

        Assert.True(finished);
        Assert.Equal(("second", "a", 1), (next!.Ticket.Step.StepId, next.Owner, next.Claims)); // gpu-only is not a's to take
        Assert.True(finishedLast);
        Assert.Null(none);
        Assert.False(stale);
        var outcomes = await _queue.FinishedAsync([new StepKey("r1", "first"), new StepKey("r1", "second")], CancellationToken.None);
        Assert.Equal(["""{"n":1}""", """{"n":2}"""], outcomes.OrderBy(o => o.Step.StepId).Select(o => o.Outcome));
    }

    [Fact]
    public async Task Queueing_and_finishing_notify_listeners()
    {
        using var stop = new CancellationTokenSource();
        var queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource<StepKey>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var listener = _queue.ListenAsync(() =>
        {
            // The first call comes as soon as it listens (for what was queued before); the second is the notification.
            if (Interlocked.Increment(ref calls) == 1) listening.TrySetResult();
            else queued.TrySetResult();
        }, step => finished.TrySetResult(step), stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await _queue.EnqueueAsync(Ticket("s"), false, CancellationToken.None);
        await queued.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var claim = (await _queue.ClaimAsync("a", [], 1, 1 + Lease, CancellationToken.None))!;
        await _queue.FinishAsync(claim, "{}", "succeeded", 2, CancellationToken.None);

        Assert.Equal(new StepKey("r1", "s"), await finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await stop.CancelAsync();
        await listener;
    }

    [Fact]
    public async Task A_run_forgotten_drops_its_tickets_and_keeps_the_record_of_its_attempts()
    {
        await _queue.EnqueueAsync(Ticket("s"), false, CancellationToken.None);
        var claim = (await _queue.ClaimAsync("a", [], 1, 1 + Lease, CancellationToken.None))!;
        await _queue.FinishAsync(claim, "{}", "succeeded", 2, CancellationToken.None);

        await _queue.ForgetRunAsync("r1", CancellationToken.None);

        Assert.Empty(await _queue.FinishedAsync([new StepKey("r1", "s")], CancellationToken.None));
        Assert.Equal("succeeded", Assert.Single(await _queue.AttemptsAsync("r1", CancellationToken.None)).Ended);
    }

    private async Task CreateRunAsync(string id)
    {
        var runs = _store.OpenRunStore("creator");
        await runs.CreateAsync(new Pipelines.Persistence.RunRow(id, "p", 1, "running", "{}", "manual", false, null, 1, 1, null, null, false, "creator", Lease),
            CancellationToken.None);
        await runs.DisposeAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
