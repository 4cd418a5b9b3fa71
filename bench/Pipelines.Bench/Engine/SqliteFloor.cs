using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Pipelines.Persistence;

namespace Pipelines.Bench.Engine;

/// <summary>
/// The most durable commits per second this disk allows with our store's settings: the database opened by
/// <see cref="SqliteDatabase.OpenAsync(string, CancellationToken)"/> (WAL) on a connection from
/// <see cref="SqliteDatabase.OpenConnectionAsync"/> (synchronous=FULL, busy_timeout=5000), in a fresh temporary data
/// directory; each commit one small INSERT in its own transaction, prepared once on one connection as the store
/// writer prepares its statements.
/// A runtime that commits every step transition on its own cannot beat this; group commit is how it can.
/// </summary>
public static class SqliteFloor
{
    public static async Task<double> CommitsPerSecondAsync(TimeSpan duration, CancellationToken ct)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("pipelines-bench-floor-");
        try
        {
            var database = await SqliteDatabase.OpenAsync(dataDirectory.FullName, ct);
            await using var connection = await database.OpenConnectionAsync(ct);
            await using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE bench_commits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, payload TEXT NOT NULL) STRICT";
                await create.ExecuteNonQueryAsync(ct);
            }

            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO bench_commits (at, payload) VALUES ($at, $payload)";
            var at = insert.Parameters.Add("$at", SqliteType.Integer);
            var payload = insert.Parameters.Add("$payload", SqliteType.Text);
            insert.Prepare();

            long commits = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                insert.Transaction = (SqliteTransaction)transaction;
                at.Value = clock.ElapsedTicks;
                payload.Value = "succeeded";
                await insert.ExecuteNonQueryAsync(ct);
                await transaction.CommitAsync(ct);
                commits++;
            }

            return commits / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            // Pooled connections keep the file open; release them so the directory can go.
            SqliteConnection.ClearAllPools();
            dataDirectory.Delete(recursive: true);
        }
    }
}
