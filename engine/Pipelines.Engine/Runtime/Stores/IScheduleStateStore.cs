using Pipelines.Schedules;

namespace Pipelines.Runtime.Stores;

/// <summary>When each schedule trigger (pipeline, index) last fired and the run that firing started.</summary>
public interface IScheduleStateStore
{
    Task<ScheduleState?> GetAsync(string pipeline, int triggerIndex, CancellationToken ct);

    /// <summary>Every trigger that has fired, by pipeline and index.</summary>
    Task<IReadOnlyList<ScheduleState>> ListAsync(CancellationToken ct);

    /// <summary>Records a firing; a firing that started no run (<paramref name="runId"/> null) keeps the previous run id.</summary>
    Task RecordAsync(string pipeline, int triggerIndex, DateTimeOffset firedAt, string? runId, CancellationToken ct);
}
