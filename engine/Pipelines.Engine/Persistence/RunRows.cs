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

/// <summary>
/// Everything one state change of the runtime writes; committed in one transaction (with others, group commit). Its
/// lists are made at first use: most batches carry a run row or a chunk and nothing else.
/// </summary>
public sealed class StoreBatch
{
    private List<RunRow>? _runs;
    private List<StepChunkRow>? _chunks;
    private List<LogRow>? _logs;
    private List<CacheRow>? _cache;
    private List<LineageRow>? _lineage;

    public List<RunRow> Runs => _runs ??= [];
    public List<StepChunkRow> Chunks => _chunks ??= [];
    public List<LogRow> Logs => _logs ??= [];
    public List<CacheRow> Cache => _cache ??= [];
    public List<LineageRow> Lineage => _lineage ??= [];

    // The writer's view: null for a list never used.
    internal List<RunRow>? RunsIfAny => _runs;
    internal List<StepChunkRow>? ChunksIfAny => _chunks;
    internal List<LogRow>? LogsIfAny => _logs;
    internal List<CacheRow>? CacheIfAny => _cache;
    internal List<LineageRow>? LineageIfAny => _lineage;

    public bool IsEmpty => Empty(_runs) && Empty(_chunks) && Empty(_logs) && Empty(_cache) && Empty(_lineage);

    private static bool Empty<T>(List<T>? list) => list is null || list.Count == 0;
}
