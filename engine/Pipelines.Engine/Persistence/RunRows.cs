namespace Pipelines.Persistence;

/// <summary>A row of <c>runs</c> as written; JSON columns hold text. Times are unix milliseconds.</summary>
public sealed record RunRow(
    string Id,
    string Pipeline,
    int Version,
    string Status,
    string Params,
    string Trigger,
    bool NoCache,
    long? TimeoutMs,
    long CreatedAt,
    long? StartedAt,
    long? FinishedAt,
    string? Error,
    bool CancelRequested,
    string? Owner,
    long? LeaseExpiresAt);

/// <summary>
/// One execution of a step (or of one matrix combination, id <c>sweep[2]</c>), as stored in its run's
/// <see cref="StepChunks">chunk</see>. A step has no lease of its own: its run's covers it; <see cref="LeaseOwner"/>
/// is the process that claimed it.
/// </summary>
public sealed record StepRow(
    string RunId,
    string StepId,
    string? ParentId,
    string? Matrix,
    string Status,
    int Attempts,
    int Failures,
    bool Cached,
    long? StartedAt,
    long? FinishedAt,
    long? NextAttemptAt,
    string? LeaseOwner,
    string? Inputs,
    string? Outputs,
    string? Error,
    string? CacheKey,
    string? Bookmark = null,
    string? Resume = null);

/// <summary>A row of <c>step_chunks</c>: chunk <paramref name="Chunk"/> of a run's executions, as UTF-8 JSON (<see cref="StepChunks"/>).</summary>
public sealed record StepChunkRow(string RunId, int Chunk, byte[] Steps);

public sealed record LogRow(string RunId, string StepId, long Seq, long At, string Line);

public sealed record CacheRow(string CacheKey, string Outputs, string RunId, string StepId, long CreatedAt);

/// <summary>An artifact read or written by a step: <see cref="Produced"/> true for outputs, false for inputs.</summary>
public sealed record LineageRow(string Digest, string RunId, string StepId, bool Produced);

/// <summary>Everything one state change of the runtime writes; committed in one transaction (with others, group commit).</summary>
public sealed class StoreBatch
{
    public List<RunRow> Runs { get; } = [];
    public List<StepChunkRow> Chunks { get; } = [];
    public List<LogRow> Logs { get; } = [];
    public List<CacheRow> Cache { get; } = [];
    public List<LineageRow> Lineage { get; } = [];

    public bool IsEmpty => Runs.Count == 0 && Chunks.Count == 0 && Logs.Count == 0 && Cache.Count == 0 && Lineage.Count == 0;
}
