using Npgsql;
using NpgsqlTypes;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// The step queue on PostgreSQL: a row of <c>step_queue</c> per step of a run that has a ticket (migration 8). A ticket
/// is <c>queued</c>, <c>claimed</c> (by a worker, under a lease) or <c>finished</c> (its outcome stored); workers claim
/// with <c>FOR UPDATE SKIP LOCKED</c>, so two claimers never wait on, or take, the same row. Queueing and finishing
/// notify (<c>pg_notify</c>, each in a transaction of its own once the write has committed) so that idle workers and
/// waiting coordinators look at once instead of at their next poll.
/// </summary>
public sealed class PostgresStepQueue(NpgsqlDataSource dataSource) : IStepQueue
{
    private const string QueuedChannel = "pipelines_step_queued";
    private const string FinishedChannel = "pipelines_step_finished";

    public async Task EnqueueAsync(StepTicket ticket, bool adopt, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (adopt)
        {
            // The attempt the previous coordinator queued just before it died: keep it (queued, running on a worker, or
            // finished with an outcome nobody applied) under the new attempt's number.
            await using var take = new NpgsqlCommand(
                "UPDATE step_queue SET attempt = $3 WHERE run_id = $1 AND step_id = $2 AND attempt = $3 - 1", connection)
            {
                Parameters = { new() { Value = ticket.Step.RunId }, new() { Value = ticket.Step.StepId }, new() { Value = ticket.Attempt } },
            };
            if (await take.ExecuteNonQueryAsync(ct) == 1) return;
        }

        await using var command = new NpgsqlCommand("""
            WITH queued AS (
                INSERT INTO step_queue (run_id, step_id, attempt, pool, uses, inputs, cache_key, lookup, timeout_ms, resume, queued_at, status, claims)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', 0)
                ON CONFLICT (run_id, step_id) DO UPDATE SET
                    attempt = excluded.attempt, pool = excluded.pool, uses = excluded.uses, inputs = excluded.inputs,
                    cache_key = excluded.cache_key, lookup = excluded.lookup, timeout_ms = excluded.timeout_ms,
                    resume = excluded.resume, queued_at = excluded.queued_at, status = 'queued', owner = NULL,
                    lease_expires_at = NULL, claims = 0, outcome = NULL, finished_at = NULL, progress = NULL, progress_seq = 0
                -- The same attempt queued again (its first answer was lost): already there, maybe claimed; kept.
                WHERE step_queue.attempt <> excluded.attempt
                RETURNING 1)
            SELECT count(*) FROM queued
            """, connection)
        {
            Parameters =
            {
                new() { Value = ticket.Step.RunId }, new() { Value = ticket.Step.StepId }, new() { Value = ticket.Attempt },
                Nullable(ticket.Pool, NpgsqlDbType.Text), new() { Value = ticket.Uses }, new() { Value = ticket.Inputs },
                Nullable(ticket.CacheKey, NpgsqlDbType.Text), new() { Value = ticket.Lookup }, Nullable(ticket.TimeoutMs, NpgsqlDbType.Bigint),
                Nullable(ticket.Resume, NpgsqlDbType.Text), new() { Value = ticket.QueuedAt },
            },
        };
        if (Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0)
        {
            await NotifyAsync(connection, QueuedChannel, "", ct);
        }
    }

    public async Task<IReadOnlyList<FinishedTicket>> FinishedAsync(IReadOnlyCollection<StepKey> steps, CancellationToken ct)
    {
        if (steps.Count == 0) return [];
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT q.run_id, q.step_id, q.attempt, q.outcome, q.claims
            FROM step_queue q JOIN unnest($1::text[], $2::text[]) AS w(run_id, step_id) ON q.run_id = w.run_id AND q.step_id = w.step_id
            WHERE q.status = 'finished'
            """, connection)
        {
            Parameters = { new() { Value = steps.Select(s => s.RunId).ToArray() }, new() { Value = steps.Select(s => s.StepId).ToArray() } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var finished = new List<FinishedTicket>();
        while (await reader.ReadAsync(ct))
        {
            finished.Add(new FinishedTicket(new StepKey(reader.GetString(0), reader.GetString(1)), reader.GetInt32(2), reader.GetString(3), reader.GetInt32(4)));
        }

        return finished;
    }

    public async Task ForgetRunAsync(string runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("DELETE FROM step_queue WHERE run_id = $1") { Parameters = { new() { Value = runId } } },
                new NpgsqlBatchCommand("DELETE FROM step_live WHERE run_id = $1") { Parameters = { new() { Value = runId } } },
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task<ClaimedTicket?> ClaimAsync(string owner, IReadOnlyCollection<string> pools, long now, long leaseExpiresAt, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(ClaimSql, connection);
        command.Parameters.AddRange(ClaimParameters(owner, pools, now, leaseExpiresAt));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadClaim(reader, owner) : null;
    }

    // The oldest ticket this worker may run (queued, or claimed by a worker whose lease lapsed), claimed and recorded.
    private const string ClaimSql = """
        WITH next AS (
            SELECT run_id, step_id FROM step_queue
            WHERE (status = 'queued' OR (status = 'claimed' AND lease_expires_at < $3))
              AND (pool IS NULL OR pool = ANY($2))
            ORDER BY queued_at
            LIMIT 1
            FOR UPDATE SKIP LOCKED)
        , claimed AS (
            UPDATE step_queue q SET status = 'claimed', owner = $1, lease_expires_at = $4, claims = q.claims + 1, progress = NULL, progress_seq = 0
            FROM next WHERE q.run_id = next.run_id AND q.step_id = next.step_id
            RETURNING q.run_id, q.step_id, q.attempt, q.pool, q.uses, q.inputs, q.cache_key, q.lookup, q.timeout_ms, q.resume, q.queued_at, q.claims)
        , audited AS (
            INSERT INTO step_attempts (run_id, step_id, attempt, claim, owner, queued_at, claimed_at)
            SELECT run_id, step_id, attempt, claims, $1, queued_at, $3 FROM claimed)
        SELECT * FROM claimed
        """;

    private static NpgsqlParameter[] ClaimParameters(string owner, IReadOnlyCollection<string> pools, long now, long leaseExpiresAt) =>
        [new() { Value = owner }, new() { Value = pools.ToArray() }, new() { Value = now }, new() { Value = leaseExpiresAt }];

    public async Task<IReadOnlyList<ClaimedTicket>> HeldAsync(string owner, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT run_id, step_id, attempt, pool, uses, inputs, cache_key, lookup, timeout_ms, resume, queued_at, claims
            FROM step_queue WHERE status = 'claimed' AND owner = $1
            """, connection)
        {
            Parameters = { new() { Value = owner } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var held = new List<ClaimedTicket>();
        while (await reader.ReadAsync(ct)) held.Add(ReadClaim(reader, owner));
        return held;
    }

    private static ClaimedTicket ReadClaim(NpgsqlDataReader reader, string owner)
    {
        var ticket = new StepTicket(new StepKey(reader.GetString(0), reader.GetString(1)), reader.GetInt32(2), Text(reader, 3), reader.GetString(4),
            reader.GetString(5), Text(reader, 6), reader.GetBoolean(7), reader.IsDBNull(8) ? null : reader.GetInt64(8), Text(reader, 9), reader.GetInt64(10));
        return new ClaimedTicket(ticket, owner, reader.GetInt32(11));
    }

    public async Task<IReadOnlyList<StepKey>> RenewAsync(string owner, long leaseExpiresAt, IReadOnlyCollection<ClaimedTicket> holding, CancellationToken ct)
    {
        if (holding.Count == 0) return [];
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Renews what is still this claim's, and names the rest (claimed again by another worker after this one's lease
        // lapsed) and those whose run is being cancelled: every one of them is for the worker to stop.
        await using var command = new NpgsqlCommand("""
            WITH held AS (
                UPDATE step_queue q SET lease_expires_at = $2
                FROM unnest($3::text[], $4::text[], $5::int[]) AS h(run_id, step_id, claims)
                WHERE q.run_id = h.run_id AND q.step_id = h.step_id AND q.claims = h.claims AND q.owner = $1 AND q.status = 'claimed'
                RETURNING q.run_id, q.step_id)
            SELECT h.run_id, h.step_id FROM unnest($3::text[], $4::text[]) AS h(run_id, step_id)
            LEFT JOIN held ON held.run_id = h.run_id AND held.step_id = h.step_id
            LEFT JOIN runs r ON r.id = h.run_id
            WHERE held.run_id IS NULL OR r.cancel_requested OR r.status NOT IN ('pending', 'running')
            """, connection)
        {
            Parameters =
            {
                new() { Value = owner }, new() { Value = leaseExpiresAt },
                new() { Value = holding.Select(h => h.Ticket.Step.RunId).ToArray() }, new() { Value = holding.Select(h => h.Ticket.Step.StepId).ToArray() },
                new() { Value = holding.Select(h => h.Claims).ToArray() },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var stop = new List<StepKey>();
        while (await reader.ReadAsync(ct)) stop.Add(new StepKey(reader.GetString(0), reader.GetString(1)));
        return stop;
    }

    public async Task<bool> FinishAsync(ClaimedTicket claim, string outcome, string ended, long now, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        bool finished;
        await using (var command = new NpgsqlCommand(FinishSql, connection))
        {
            command.Parameters.AddRange(FinishParameters(claim, outcome, ended, now));
            finished = await command.ExecuteScalarAsync(ct) is not null;
        }

        if (finished) await NotifyFinishedAsync(connection, claim.Ticket.Step, ct);
        return finished;
    }

    /// <summary>
    /// Finishes <paramref name="claim"/> and claims the next ticket for the slot it frees in one transaction: one
    /// commit (one flush of PostgreSQL's log) per attempt instead of two, which is most of what a busy worker waits on.
    /// </summary>
    public async Task<(bool Finished, ClaimedTicket? Next)> FinishAndClaimAsync(ClaimedTicket claim, string outcome, string ended,
        IReadOnlyCollection<string> pools, long now, long leaseExpiresAt, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        var finish = new NpgsqlBatchCommand(FinishSql);
        finish.Parameters.AddRange(FinishParameters(claim, outcome, ended, now));
        var next = new NpgsqlBatchCommand(ClaimSql);
        next.Parameters.AddRange(ClaimParameters(claim.Owner, pools, now, leaseExpiresAt));
        batch.BatchCommands.Add(finish);
        batch.BatchCommands.Add(next);
        bool finished;
        ClaimedTicket? claimed;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            finished = await reader.ReadAsync(ct);
            await reader.NextResultAsync(ct);
            claimed = await reader.ReadAsync(ct) ? ReadClaim(reader, claim.Owner) : null;
        }

        if (finished) await NotifyFinishedAsync(connection, claim.Ticket.Step, ct);
        return (finished, claimed);
    }

    /// <summary>
    /// Notifies in a transaction of its own, after the write committed: PostgreSQL serialises the commits of notifying
    /// transactions (a global lock held until the commit is flushed), which capped a busy queue at one flush at a time.
    /// A notification that never leaves (the connection broke in between) is covered by the listeners' polls.
    /// </summary>
    private static async Task NotifyAsync(NpgsqlConnection connection, string channel, string payload, CancellationToken ct)
    {
        await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection) { Parameters = { new() { Value = channel }, new() { Value = payload } } };
        await notify.ExecuteNonQueryAsync(ct);
    }

    private static Task NotifyFinishedAsync(NpgsqlConnection connection, StepKey step, CancellationToken ct) =>
        NotifyAsync(connection, FinishedChannel, step.RunId + "\n" + step.StepId, ct);

    // The outcome stored, fenced by the claim; the record of the attempt written whether or not it is still this
    // claim's (a late attempt that was fenced out ran all the same, and the record must show it).
    private const string FinishSql = """
        WITH done AS (
            UPDATE step_queue SET status = 'finished', outcome = $5, finished_at = $6, owner = NULL, lease_expires_at = NULL
            WHERE run_id = $1 AND step_id = $2 AND owner = $3 AND claims = $4 AND status = 'claimed'
            RETURNING run_id, step_id)
        , audited AS (
            UPDATE step_attempts SET finished_at = $6, ended = $8
            WHERE run_id = $1 AND step_id = $2 AND attempt = $7 AND claim = $4 AND owner = $3 AND finished_at IS NULL)
        , relayed AS (
            DELETE FROM step_live WHERE run_id = $1 AND step_id = $2 AND EXISTS (SELECT 1 FROM done))
        SELECT run_id FROM done
        """;

    private static NpgsqlParameter[] FinishParameters(ClaimedTicket claim, string outcome, string ended, long now) =>
    [
        new() { Value = claim.Ticket.Step.RunId }, new() { Value = claim.Ticket.Step.StepId }, new() { Value = claim.Owner },
        new() { Value = claim.Claims }, new() { Value = outcome }, new() { Value = now }, new() { Value = claim.Ticket.Attempt },
        new() { Value = ended },
    ];

    public async Task ReleaseAsync(ClaimedTicket claim, long now, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            WITH released AS (
                UPDATE step_queue SET status = 'queued', owner = NULL, lease_expires_at = NULL
                WHERE run_id = $1 AND step_id = $2 AND owner = $3 AND claims = $4 AND status = 'claimed'
                RETURNING 1)
            , audited AS (
                UPDATE step_attempts SET finished_at = $5, ended = 'released'
                WHERE run_id = $1 AND step_id = $2 AND attempt = $6 AND claim = $4 AND owner = $3 AND finished_at IS NULL)
            SELECT count(*) FROM released
            """, connection)
        {
            Parameters =
            {
                new() { Value = claim.Ticket.Step.RunId }, new() { Value = claim.Ticket.Step.StepId }, new() { Value = claim.Owner }, new() { Value = claim.Claims },
                new() { Value = now }, new() { Value = claim.Ticket.Attempt },
            },
        };
        if (Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0)
        {
            await NotifyAsync(connection, QueuedChannel, "", ct);
        }
    }

    public async Task<IReadOnlyList<string>> ClaimantsAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("SELECT DISTINCT owner FROM step_queue WHERE status = 'claimed'", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var owners = new List<string>();
        while (await reader.ReadAsync(ct)) owners.Add(reader.GetString(0));
        return owners;
    }

    public async Task ExpireClaimsAsync(IReadOnlyCollection<string> owners, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("UPDATE step_queue SET lease_expires_at = 0 WHERE status = 'claimed' AND owner = ANY($1)", connection)
        {
            Parameters = { new() { Value = owners.ToArray() } },
        };
        if (await command.ExecuteNonQueryAsync(ct) > 0) await NotifyAsync(connection, QueuedChannel, "", ct);
    }

    public async Task<IReadOnlyList<StepAttemptRow>> AttemptsAsync(string runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT step_id, attempt, claim, owner, queued_at, claimed_at, finished_at, ended FROM step_attempts
            WHERE run_id = $1 ORDER BY claimed_at, step_id, attempt, claim
            """, connection)
        {
            Parameters = { new() { Value = runId } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var attempts = new List<StepAttemptRow>();
        while (await reader.ReadAsync(ct))
        {
            attempts.Add(new StepAttemptRow(new StepKey(runId, reader.GetString(0)), reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6), Text(reader, 7)));
        }

        return attempts;
    }

    public async Task AppendLiveAsync(IReadOnlyCollection<LiveUpdate> updates, CancellationToken ct)
    {
        if (updates.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        var lines = updates.SelectMany(u => u.Lines.Select((line, i) => (u.Claim, LineNo: u.FirstLine + i, Line: line))).ToList();
        if (lines.Count > 0)
        {
            // A line written twice (the answer to the first write was lost) is kept once.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO step_live (run_id, step_id, attempt, claim, line_no, line)
                SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[], $6::text[])
                ON CONFLICT DO NOTHING
                """)
            {
                Parameters =
                {
                    new() { Value = lines.Select(l => l.Claim.Ticket.Step.RunId).ToArray() }, new() { Value = lines.Select(l => l.Claim.Ticket.Step.StepId).ToArray() },
                    new() { Value = lines.Select(l => l.Claim.Ticket.Attempt).ToArray() }, new() { Value = lines.Select(l => l.Claim.Claims).ToArray() },
                    new() { Value = lines.Select(l => l.LineNo).ToArray() }, new() { Value = lines.Select(l => l.Line).ToArray() },
                },
            });
        }

        var progress = updates.Where(u => u.Progress is not null).ToList();
        if (progress.Count > 0)
        {
            // Fenced by the claim: a worker whose lease lapsed reports nothing over its successor.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                UPDATE step_queue q SET progress = u.progress, progress_seq = u.seq
                FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[]) AS u(run_id, step_id, claims, progress, seq)
                WHERE q.run_id = u.run_id AND q.step_id = u.step_id AND q.claims = u.claims AND q.status = 'claimed' AND q.progress_seq < u.seq
                """)
            {
                Parameters =
                {
                    new() { Value = progress.Select(u => u.Claim.Ticket.Step.RunId).ToArray() }, new() { Value = progress.Select(u => u.Claim.Ticket.Step.StepId).ToArray() },
                    new() { Value = progress.Select(u => u.Claim.Claims).ToArray() }, new() { Value = progress.Select(u => u.Progress!).ToArray() },
                    new() { Value = progress.Select(u => u.ProgressSeq).ToArray() },
                },
            });
        }

        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<LiveNews>> LiveAsync(IReadOnlyCollection<LiveCursor> cursors, CancellationToken ct)
    {
        if (cursors.Count == 0) return [];
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // The claims running now, their progress when newer than the cursor's, and their lines past the cursor (all of
        // them for a claim the cursor has not seen yet), in one statement so that lines and claims agree.
        await using var command = new NpgsqlCommand("""
            WITH c AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[], $6::int[])
                    AS c(run_id, step_id, attempt, claim, next_line, progress_seq))
            , running AS (
                SELECT q.run_id, q.step_id, q.attempt, q.claims,
                       CASE WHEN q.claims = c.claim THEN c.next_line ELSE 0 END AS from_line,
                       CASE WHEN q.progress_seq > CASE WHEN q.claims = c.claim THEN c.progress_seq ELSE 0 END THEN q.progress END AS progress,
                       q.progress_seq
                FROM c JOIN step_queue q ON q.run_id = c.run_id AND q.step_id = c.step_id AND q.attempt = c.attempt AND q.status = 'claimed')
            SELECT r.run_id, r.step_id, r.claims, r.from_line, r.progress, r.progress_seq, l.line_no, l.line
            FROM running r LEFT JOIN step_live l ON l.run_id = r.run_id AND l.step_id = r.step_id AND l.attempt = r.attempt
                AND l.claim = r.claims AND l.line_no >= r.from_line
            ORDER BY r.run_id, r.step_id, l.line_no
            """, connection)
        {
            Parameters =
            {
                new() { Value = cursors.Select(c => c.Step.RunId).ToArray() }, new() { Value = cursors.Select(c => c.Step.StepId).ToArray() },
                new() { Value = cursors.Select(c => c.Attempt).ToArray() }, new() { Value = cursors.Select(c => c.Claim).ToArray() },
                new() { Value = cursors.Select(c => c.NextLine).ToArray() }, new() { Value = cursors.Select(c => c.ProgressSeq).ToArray() },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var news = new List<LiveNews>();
        (StepKey Step, int Claim, int From, string? Progress, int Seq, List<string> Lines)? current = null;
        while (await reader.ReadAsync(ct))
        {
            var step = new StepKey(reader.GetString(0), reader.GetString(1));
            if (current is not { } open || open.Step != step)
            {
                if (current is { } done) news.Add(new LiveNews(done.Step, done.Claim, done.From, done.Lines, done.Progress, done.Seq));
                current = (step, reader.GetInt32(2), reader.GetInt32(3), Text(reader, 4), reader.GetInt32(5), []);
            }

            // Only an unbroken run of lines from the cursor on: a line missing in between (a write still in flight) stops it.
            if (!reader.IsDBNull(6) && reader.GetInt32(6) == current.Value.From + current.Value.Lines.Count) current.Value.Lines.Add(reader.GetString(7));
        }

        if (current is { } last) news.Add(new LiveNews(last.Step, last.Claim, last.From, last.Lines, last.Progress, last.Seq));
        return news;
    }

    public async Task ListenAsync(Action queued, Action<StepKey> finished, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == QueuedChannel)
                    {
                        queued();
                    }
                    else if (e.Payload.Split('\n') is [var run, var step])
                    {
                        finished(new StepKey(run, step));
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {QueuedChannel}; LISTEN {FinishedChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                queued(); // what was queued while nobody listened
                while (true) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (StoreErrors.IsTransient(e))
            {
                // The server restarted or the connection broke: listen again shortly; the callers' polls cover the gap.
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
