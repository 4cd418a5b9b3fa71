using Microsoft.Data.Sqlite;
using Pipelines.Persistence;

namespace Pipelines.Schedules;

/// <summary>The <c>schedule_state</c> table: one row per trigger that has fired. Times are unix milliseconds.</summary>
public sealed class ScheduleStateStore(SqliteDatabase database)
{
    public async Task<ScheduleState?> GetAsync(string pipeline, int triggerIndex, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command("""
            SELECT pipeline, trigger_index, last_fire_at, last_run_id FROM schedule_state
            WHERE pipeline = $pipeline AND trigger_index = $index
            """, ("$pipeline", pipeline), ("$index", triggerIndex));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Every trigger that has fired, by pipeline and index.</summary>
    public async Task<IReadOnlyList<ScheduleState>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command(
            "SELECT pipeline, trigger_index, last_fire_at, last_run_id FROM schedule_state ORDER BY pipeline, trigger_index");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var states = new List<ScheduleState>();
        while (await reader.ReadAsync(ct)) states.Add(Read(reader));
        return states;
    }

    /// <summary>Records a firing; a firing that started no run (<paramref name="runId"/> null) keeps the previous run id.</summary>
    public async Task RecordAsync(string pipeline, int triggerIndex, DateTimeOffset firedAt, string? runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("""
            INSERT INTO schedule_state (pipeline, trigger_index, last_fire_at, last_run_id) VALUES ($pipeline, $index, $at, $run)
            ON CONFLICT (pipeline, trigger_index) DO UPDATE SET
                last_fire_at = excluded.last_fire_at,
                last_run_id = COALESCE(excluded.last_run_id, schedule_state.last_run_id)
            """, ct, ("$pipeline", pipeline), ("$index", triggerIndex), ("$at", firedAt.ToUnixTimeMilliseconds()), ("$run", runId));
    }

    private static ScheduleState Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt32(1),
        reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
        reader.IsDBNull(3) ? null : reader.GetString(3));
}
