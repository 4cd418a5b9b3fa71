using Microsoft.Data.Sqlite;
using Pipelines.Persistence;

namespace Pipelines.Engine.Tests.Persistence;

/// <summary>Migration 6 moves a store's step rows into per-run chunks without losing or changing a value.</summary>
public sealed class StepChunkMigrationTests : IDisposable
{
    private readonly TemporaryDataDirectory _directory = new();
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Step_rows_of_an_older_store_read_back_the_same_from_chunks_of_32()
    {
        var old = await SqliteDatabase.OpenAsync(_directory.Path, SchemaMigrations.All.Take(5).ToList(), _ct);
        var expected = new List<StepRow>
        {
            new("r1", "train", null, null, "succeeded", 2, 1, true, 10, 20, null, null, """{"lr":0.001}""", """{"loss":[1.5,0.75],"note":"Zoë ✓"}""", "", "k1"),
            new("r1", "sweep", null, null, "running", 0, 0, false, 11, null, null, null, null, null, null, null),
            new("r1", "gate", null, null, "waiting", 1, 0, false, 12, null, null, null, "{}", null, null, null, "review", """{"approved":true}"""),
            new("r2", "only", null, null, "retrying", 1, 1, false, 13, null, 99, null, "{}", null, "boom: \"quoted\"", null),
        };
        for (var i = 0; i < 38; i++)
        {
            expected.Add(new("r1", $"sweep[{i}]", "sweep", $$"""{"n":{{i}}}""", "succeeded", 1, 0, false, 11, 12, null, null, "{}", "{}", null, null));
        }

        await using (var connection = await old.OpenConnectionAsync(_ct))
        {
            foreach (var run in new[] { "r1", "r2" })
            {
                await ExecuteAsync(connection, """
                    INSERT INTO runs (id, pipeline, version, status, params, trigger_name, created_at) VALUES ($id, 'p', 1, 'running', '{}', 'manual', 1)
                    """, ("$id", run));
            }

            foreach (var s in expected)
            {
                await ExecuteAsync(connection, """
                    INSERT INTO steps (run_id, step_id, parent_id, matrix, status, attempts, failures, cached, started_at, finished_at,
                                       next_attempt_at, lease_owner, lease_expires_at, inputs, outputs, error, cache_key, bookmark, resume)
                    VALUES ($run, $step, $parent, $matrix, $status, $attempts, $failures, $cached, $started, $finished, $next, $owner, 5,
                            $inputs, $outputs, $error, $key, $bookmark, $resume)
                    """, ("$run", s.RunId), ("$step", s.StepId), ("$parent", s.ParentId), ("$matrix", s.Matrix), ("$status", s.Status),
                    ("$attempts", s.Attempts), ("$failures", s.Failures), ("$cached", s.Cached ? 1 : 0), ("$started", s.StartedAt),
                    ("$finished", s.FinishedAt), ("$next", s.NextAttemptAt), ("$owner", s.LeaseOwner), ("$inputs", s.Inputs),
                    ("$outputs", s.Outputs), ("$error", s.Error), ("$key", s.CacheKey), ("$bookmark", s.Bookmark), ("$resume", s.Resume));
            }
        }

        var store = new SqliteRunStore(await SqliteDatabase.OpenAsync(_directory.Path, _ct));

        var r1 = await store.GetStepChunksAsync("r1", _ct);
        Assert.Equal([32, 9], r1.Select(c => c.Count));
        foreach (var run in new[] { "r1", "r2" })
        {
            var read = (await store.GetStepsAsync(run, _ct)).OrderBy(s => s.StepId, StringComparer.Ordinal);
            Assert.Equal(expected.Where(s => s.RunId == run).OrderBy(s => s.StepId, StringComparer.Ordinal), read);
        }

        await using var after = await store.Database.OpenConnectionAsync(_ct);
        await using var tables = after.CreateCommand();
        tables.CommandText = "SELECT count(*) FROM sqlite_schema WHERE name IN ('steps', 'steps_waiting')";
        Assert.Equal(0L, await tables.ExecuteScalarAsync());
    }

    private async Task ExecuteAsync(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(_ct);
    }
}
