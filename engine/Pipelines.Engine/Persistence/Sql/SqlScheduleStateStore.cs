using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;
using Pipelines.Schedules;

namespace Pipelines.Persistence.Sql;

/// <summary>The <c>schedule_state</c> table on SQLite or PostgreSQL: one row per trigger that has fired.</summary>
public sealed class SqlScheduleStateStore(StoreDialect database) : IScheduleStateStore
{
    public async Task<ScheduleState?> GetAsync(string pipeline, int triggerIndex, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = await connection.QueryAsync($"SELECT {ScheduleRow.Columns} FROM schedule_state WHERE pipeline = $1 AND trigger_index = $2",
            ScheduleRow.Read, ct, pipeline, triggerIndex);
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
        await connection.ExecuteAsync("""
            INSERT INTO schedule_state (pipeline, trigger_index, last_fire_at, last_run_id) VALUES ($1, $2, $3, $4)
            ON CONFLICT (pipeline, trigger_index) DO UPDATE SET
                last_fire_at = excluded.last_fire_at,
                last_run_id = COALESCE(excluded.last_run_id, schedule_state.last_run_id)
            """, ct, pipeline, triggerIndex, firedAt.ToUnixTimeMilliseconds(), runId);
    }
}
