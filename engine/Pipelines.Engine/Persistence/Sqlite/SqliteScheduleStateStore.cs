using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;
using Pipelines.Schedules;

namespace Pipelines.Persistence.Sqlite;

/// <summary>The <c>schedule_state</c> table of the embedded store (migration 5): one row per trigger that has fired.</summary>
public sealed class SqliteScheduleStateStore(SqliteDatabase database) : IScheduleStateStore
{
    public async Task<ScheduleState?> GetAsync(string pipeline, int triggerIndex, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = await connection.QueryAsync($"""
            SELECT {ScheduleRow.Columns} FROM schedule_state WHERE pipeline = $pipeline AND trigger_index = $index
            """, ScheduleRow.Read, ct, ("$pipeline", pipeline), ("$index", triggerIndex));
        return found.SingleOrDefault();
    }

    public async Task<IReadOnlyList<ScheduleState>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"SELECT {ScheduleRow.Columns} FROM schedule_state ORDER BY pipeline, trigger_index", ScheduleRow.Read, ct);
    }

    public async Task RecordAsync(string pipeline, int triggerIndex, DateTimeOffset firedAt, string? runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(ScheduleRow.RecordSql, ct, ("$1", pipeline), ("$2", triggerIndex), ("$3", firedAt.ToUnixTimeMilliseconds()), ("$4", runId));
    }
}
