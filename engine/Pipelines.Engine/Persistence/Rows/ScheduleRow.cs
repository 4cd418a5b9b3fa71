using System.Data.Common;
using Pipelines.Schedules;

namespace Pipelines.Persistence.Rows;

/// <summary>Schedule state as both stores keep it (<c>schedule_state</c>), times in unix milliseconds.</summary>
internal static class ScheduleRow
{
    public const string Columns = "pipeline, trigger_index, last_fire_at, last_run_id";

    /// <summary>Records a firing ($1 pipeline, $2 trigger index, $3 time, $4 run id); a firing that started no run keeps the previous run id.</summary>
    public const string RecordSql = """
        INSERT INTO schedule_state (pipeline, trigger_index, last_fire_at, last_run_id) VALUES ($1, $2, $3, $4)
        ON CONFLICT (pipeline, trigger_index) DO UPDATE SET
            last_fire_at = excluded.last_fire_at,
            last_run_id = COALESCE(excluded.last_run_id, schedule_state.last_run_id)
        """;

    public static ScheduleState Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt32(1),
        reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
        reader.IsDBNull(3) ? null : reader.GetString(3));
}
