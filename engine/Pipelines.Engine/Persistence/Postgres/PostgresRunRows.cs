using Npgsql;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// The rows one run's hand-overs write (<see cref="PostgresRunJournal"/>), each at most once, and the statements that
/// write those of the runs of one transaction: a statement per table, whatever the number of rows, each row's fields sent as arrays and spread
/// by <c>unnest</c>, so a hand-over of a thousand matrix combinations is still one round trip.
/// </summary>
internal sealed record PostgresRunRows(
    RunRow? Run,
    List<(StepRow Row, long Seq)> Steps,
    List<LogRow> Logs,
    List<CacheRow> Cache,
    List<LineageRow> Producers,
    List<LineageRow> Consumers)
{
    /// <summary>
    /// The run row, as SQLite's writer upserts it: what a run is (pipeline, parameters, ...) is kept as first written; a
    /// lease only moves forward (the heartbeat may have extended it since) and goes with the owner; a cancel request
    /// stays once made.
    /// </summary>
    private const string RunSql = """
        INSERT INTO runs (id, pipeline, version, status, params, trigger_name, no_cache, timeout_ms, created_at,
                          started_at, finished_at, error, cancel_requested, owner, lease_expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
            finished_at = excluded.finished_at, error = excluded.error, owner = excluded.owner,
            lease_expires_at = CASE WHEN excluded.owner IS NULL OR excluded.lease_expires_at IS NULL THEN NULL
                                    ELSE greatest(coalesce(runs.lease_expires_at, 0), excluded.lease_expires_at) END,
            cancel_requested = runs.cancel_requested OR excluded.cancel_requested
        """;

    /// <summary>The run rows of several runs at once, each as <see cref="RunSql"/> writes one (no run twice in one statement).</summary>
    private static readonly string RunsSql = RunSql.Replace(
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        """
        SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::bigint[],
                             $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::boolean[], $14::text[], $15::bigint[])
        """, StringComparison.Ordinal);

    /// <summary>The step executions of several runs at once, each as <see cref="StepsSql"/> writes one run's.</summary>
    private static readonly string StepsOfRunsSql = """
        INSERT INTO steps (run_id, step_id, seq, parent_id, matrix, status, attempts, failures, cached, started_at,
                           finished_at, next_attempt_at, lease_owner, inputs, outputs, error, cache_key, bookmark, resume)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::integer[],
                             $9::boolean[], $10::bigint[], $11::bigint[], $12::bigint[], $13::text[], $14::text[],
                             $15::text[], $16::text[], $17::text[], $18::text[], $19::text[])
        """ + StepsSql[StepsSql.IndexOf("ON CONFLICT", StringComparison.Ordinal)..];

    /// <summary>Step executions: a new one takes the seq sent with it, a stored one keeps its own.</summary>
    private const string StepsSql = """
        INSERT INTO steps (run_id, step_id, seq, parent_id, matrix, status, attempts, failures, cached, started_at,
                           finished_at, next_attempt_at, lease_owner, inputs, outputs, error, cache_key, bookmark, resume)
        SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::integer[],
                                 $9::boolean[], $10::bigint[], $11::bigint[], $12::bigint[], $13::text[], $14::text[],
                                 $15::text[], $16::text[], $17::text[], $18::text[], $19::text[])
        ON CONFLICT (run_id, step_id) DO UPDATE SET parent_id = excluded.parent_id, matrix = excluded.matrix,
            status = excluded.status, attempts = excluded.attempts, failures = excluded.failures, cached = excluded.cached,
            started_at = excluded.started_at, finished_at = excluded.finished_at, next_attempt_at = excluded.next_attempt_at,
            lease_owner = excluded.lease_owner, inputs = excluded.inputs, outputs = excluded.outputs, error = excluded.error,
            cache_key = excluded.cache_key, bookmark = excluded.bookmark, resume = excluded.resume
        """;

    private const string LogsSql = """
        INSERT INTO step_logs (run_id, step_id, seq, at, line)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])
        ON CONFLICT DO NOTHING
        """;

    private const string CacheSql = """
        INSERT INTO step_cache (cache_key, outputs, run_id, step_id, created_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
        ON CONFLICT (cache_key) DO UPDATE SET outputs = excluded.outputs, run_id = excluded.run_id,
            step_id = excluded.step_id, created_at = excluded.created_at
        """;

    /// <summary>The artifact index's lineage (as <see cref="Sql.SqlArtifactIndex"/> records it): the first producer wins.</summary>
    private const string ProducersSql = """
        UPDATE artifacts a SET producer_run = p.run_id, producer_step = p.step_id
        FROM unnest($1::text[], $2::text[], $3::text[]) AS p (digest, run_id, step_id)
        WHERE a.digest = p.digest AND a.producer_run IS NULL
        """;

    /// <summary>A consumer of an artifact the index has a record of, once per step; lineage of any other is not recorded.</summary>
    private const string ConsumersSql = """
        INSERT INTO artifact_consumers (digest, run_id, step_id)
        SELECT c.digest, c.run_id, c.step_id FROM unnest($1::text[], $2::text[], $3::text[]) AS c (digest, run_id, step_id)
        WHERE EXISTS (SELECT 1 FROM artifacts a WHERE a.digest = c.digest)
        ON CONFLICT DO NOTHING
        """;

    /// <summary>
    /// Adds the statements that write the rows of <paramref name="runs"/> to <paramref name="batch"/>: each run's row and
    /// steps, then the log lines of all of them in one statement, and the rows they share with other runs (cache,
    /// lineage) each once, sorted, so that concurrent writers lock them in one order.
    /// </summary>
    public static void AddTo(NpgsqlBatch batch, IReadOnlyList<(string RunId, PostgresRunRows Rows)> runs)
    {
        if (runs.Count > 1 && runs.Select(r => r.RunId).Distinct(StringComparer.Ordinal).Count() == runs.Count)
        {
            // Two statements for every run's row and steps, however many runs: a statement costs the server a parse and a
            // plan, which for a thousand runs was most of the transaction.
            AddRunsAndSteps(batch, runs);
        }
        else
        {
            // The same run twice (its creation and its first hand-overs, say): in order, a statement each.
            foreach (var (runId, rows) in runs) rows.AddRunAndSteps(batch, runId);
        }

        var all = runs.Select(r => r.Rows).ToList();
        new PostgresRunRows(null, [], [.. all.SelectMany(r => r.Logs)],
            [.. all.SelectMany(r => r.Cache).GroupBy(c => c.CacheKey, StringComparer.Ordinal).Select(g => g.Last()).OrderBy(c => c.CacheKey, StringComparer.Ordinal)],
            [.. all.SelectMany(r => r.Producers).DistinctBy(l => l.Digest, StringComparer.Ordinal).OrderBy(l => l.Digest, StringComparer.Ordinal)],
            [.. all.SelectMany(r => r.Consumers).Distinct().OrderBy(l => l.Digest, StringComparer.Ordinal).ThenBy(l => l.RunId, StringComparer.Ordinal)
                .ThenBy(l => l.StepId, StringComparer.Ordinal)])
            .AddShared(batch);
    }

    private static void AddRunsAndSteps(NpgsqlBatch batch, IReadOnlyList<(string RunId, PostgresRunRows Rows)> runs)
    {
        var r = runs.Select(x => x.Rows.Run).OfType<RunRow>().ToList();
        if (r.Count > 0)
        {
            Add(batch, RunsSql, Column(r, x => x.Id), Column(r, x => x.Pipeline), Column(r, x => x.Version), Column(r, x => x.Status),
                Column(r, x => x.Params), Column(r, x => x.Trigger), Column(r, x => x.NoCache), Column(r, x => x.TimeoutMs),
                Column(r, x => x.CreatedAt), Column(r, x => x.StartedAt), Column(r, x => x.FinishedAt), Column(r, x => x.Error),
                Column(r, x => x.CancelRequested), Column(r, x => x.Owner), Column(r, x => x.LeaseExpiresAt));
        }

        var steps = runs.SelectMany(x => x.Rows.Steps.Select(step => (x.RunId, step.Row, step.Seq))).ToList();
        if (steps.Count > 0)
        {
            Add(batch, StepsOfRunsSql, Column(steps, s => s.RunId), Column(steps, s => s.Row.StepId), Column(steps, s => s.Seq),
                Column(steps, s => s.Row.ParentId), Column(steps, s => s.Row.Matrix), Column(steps, s => s.Row.Status),
                Column(steps, s => s.Row.Attempts), Column(steps, s => s.Row.Failures), Column(steps, s => s.Row.Cached),
                Column(steps, s => s.Row.StartedAt), Column(steps, s => s.Row.FinishedAt), Column(steps, s => s.Row.NextAttemptAt),
                Column(steps, s => s.Row.LeaseOwner), Column(steps, s => s.Row.Inputs), Column(steps, s => s.Row.Outputs),
                Column(steps, s => s.Row.Error), Column(steps, s => s.Row.CacheKey), Column(steps, s => s.Row.Bookmark),
                Column(steps, s => s.Row.Resume));
        }
    }

    private void AddRunAndSteps(NpgsqlBatch batch, string runId)
    {
        if (Run is { } r)
        {
            Add(batch, RunSql, r.Id, r.Pipeline, r.Version, r.Status, r.Params, r.Trigger, r.NoCache, r.TimeoutMs, r.CreatedAt, r.StartedAt,
                r.FinishedAt, r.Error, r.CancelRequested, r.Owner, r.LeaseExpiresAt);
        }

        if (Steps.Count > 0)
        {
            Add(batch, StepsSql, runId, Column(Steps, s => s.Row.StepId), Column(Steps, s => s.Seq), Column(Steps, s => s.Row.ParentId),
                Column(Steps, s => s.Row.Matrix), Column(Steps, s => s.Row.Status), Column(Steps, s => s.Row.Attempts),
                Column(Steps, s => s.Row.Failures), Column(Steps, s => s.Row.Cached), Column(Steps, s => s.Row.StartedAt),
                Column(Steps, s => s.Row.FinishedAt), Column(Steps, s => s.Row.NextAttemptAt), Column(Steps, s => s.Row.LeaseOwner),
                Column(Steps, s => s.Row.Inputs), Column(Steps, s => s.Row.Outputs), Column(Steps, s => s.Row.Error),
                Column(Steps, s => s.Row.CacheKey), Column(Steps, s => s.Row.Bookmark), Column(Steps, s => s.Row.Resume));
        }
    }

    private void AddShared(NpgsqlBatch batch)
    {
        if (Logs.Count > 0)
        {
            Add(batch, LogsSql, Column(Logs, l => l.RunId), Column(Logs, l => l.StepId), Column(Logs, l => l.Seq), Column(Logs, l => l.At),
                Column(Logs, l => l.Line));
        }

        if (Cache.Count > 0)
        {
            Add(batch, CacheSql, Column(Cache, c => c.CacheKey), Column(Cache, c => c.Outputs), Column(Cache, c => c.RunId),
                Column(Cache, c => c.StepId), Column(Cache, c => c.CreatedAt));
        }

        if (Producers.Count > 0)
        {
            Add(batch, ProducersSql, Column(Producers, l => l.Digest), Column(Producers, l => l.RunId), Column(Producers, l => l.StepId));
        }

        if (Consumers.Count > 0)
        {
            Add(batch, ConsumersSql, Column(Consumers, l => l.Digest), Column(Consumers, l => l.RunId), Column(Consumers, l => l.StepId));
        }
    }

    private static T[] Column<TRow, T>(List<TRow> rows, Func<TRow, T> field)
    {
        var column = new T[rows.Count];
        for (var i = 0; i < column.Length; i++) column[i] = field(rows[i]);
        return column;
    }

    private static void Add(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        batch.BatchCommands.Add(command);
    }
}
