using Npgsql;
using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;
using Pipelines.Schedules;

namespace Pipelines.Persistence.Postgres;

/// <summary>The <c>schedule_state</c> table in PostgreSQL (migration 4): one row per trigger that has fired.</summary>
public sealed class PostgresScheduleStateStore(NpgsqlDataSource dataSource) : IScheduleStateStore
{
    public async Task<ScheduleState?> GetAsync(string pipeline, int triggerIndex, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var found = await connection.QueryAsync($"SELECT {ScheduleRow.Columns} FROM schedule_state WHERE pipeline = $1 AND trigger_index = $2",
            ScheduleRow.Read, ct, pipeline, triggerIndex);
        return found.SingleOrDefault();
    }

    public async Task<IReadOnlyList<ScheduleState>> ListAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"SELECT {ScheduleRow.Columns} FROM schedule_state ORDER BY pipeline COLLATE \"C\", trigger_index",
            ScheduleRow.Read, ct);
    }

    public async Task RecordAsync(string pipeline, int triggerIndex, DateTimeOffset firedAt, string? runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(ScheduleRow.RecordSql, ct, pipeline, triggerIndex, firedAt.ToUnixTimeMilliseconds(), runId);
    }
}
