using Pipelines.Persistence;

namespace Pipelines.Runtime.Stores;

/// <summary>
/// Where runs and their step executions live: the run queue (runs with their owner and lease), the step states of
/// each run, and the few writes that happen outside a running coordinator (taking a run over, renewing leases,
/// cancel requests, resuming a bookmark, reopening a run, counting crashes). Owned by the runtime; how a store lays
/// its rows out (SQLite: step states as JSON chunks, statuses spelled as text) stays inside its implementation.
/// </summary>
/// <remarks>
/// Ownership is per run: the process that owns a run (<see cref="TryOwnAsync"/>, kept by <see cref="RenewAsync"/>)
/// coordinates all of its steps, and its <see cref="IRunJournal"/> writes them, fenced by that ownership. A store with
/// step-level claims (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c> on ready steps, a lease per step) fits behind the same
/// calls: docs/runtime.md, "Stores".
/// </remarks>
public interface IRunStore : IAsyncDisposable
{
    /// <summary>Stores a new run (pending, owned by its creator) durably.</summary>
    Task CreateAsync(RunRow run, CancellationToken ct);

    Task<RunRow?> GetRunAsync(string id, CancellationToken ct);

    /// <summary>Runs, newest first, optionally of one pipeline and/or in one status.</summary>
    Task<IReadOnlyList<RunRow>> ListRunsAsync(string? pipeline, string? status, int limit, CancellationToken ct);

    /// <summary>A run's step executions (matrix children included), in the order they were first stored.</summary>
    Task<IReadOnlyList<StepRow>> GetStepsAsync(string runId, CancellationToken ct);

    /// <summary>The run's log lines in time order; with <paramref name="stepId"/>, that step's and its matrix children's only.</summary>
    Task<IReadOnlyList<LogRow>> GetLogsAsync(string runId, string? stepId, CancellationToken ct);

    /// <summary>The outputs (JSON) a step with this cache key produced, if any run stored them.</summary>
    Task<string?> GetCachedOutputsAsync(string cacheKey, CancellationToken ct);

    /// <summary>
    /// Makes <paramref name="owner"/> the run's coordinator, as a compare-and-swap on the owner that was
    /// <paramref name="read"/>: it succeeds when the run has no owner, is already this owner's, or its lease has
    /// expired — or when the owner read is <paramref name="readOwnerIsDead">known to be dead</paramref> and still
    /// holds it. Two processes that read the same dead owner cannot both take the run over.
    /// </summary>
    Task<bool> TryOwnAsync(RunRow read, string owner, long now, long leaseExpiresAt, bool readOwnerIsDead, CancellationToken ct);

    /// <summary>
    /// Counts a take-over from an owner that died: how many times in a row the run has been taken over with
    /// <paramref name="progress"/> (its finished step executions) unchanged; 1 when something finished since the last.
    /// </summary>
    Task<int> CountCrashTakeOverAsync(string runId, int progress, CancellationToken ct);

    /// <summary>
    /// Extends the leases of every run <paramref name="owner"/> holds; returns the runs asked to cancel, and those of
    /// <paramref name="executing"/> another owner has taken over since: both are for the caller to stop.
    /// </summary>
    Task<(IReadOnlyList<string> Cancelled, IReadOnlyList<string> Lost)> RenewAsync(string owner, long leaseExpiresAt,
        IReadOnlyCollection<string> executing, CancellationToken ct);

    /// <summary>Marks a run for cancellation; whichever process runs it notices within a heartbeat.</summary>
    Task<bool> RequestCancelAsync(string runId, CancellationToken ct);

    /// <summary>
    /// Resumes a step of a run that no process is executing: the step becomes ready with <paramref name="payload"/>, a
    /// waiting run runnable again. False when that step does not wait on that bookmark.
    /// </summary>
    Task<bool> ResumeBookmarkAsync(string runId, string stepId, string bookmark, string? payload, CancellationToken ct);

    /// <summary>
    /// Reopens a failed or cancelled run (one transaction): pending, no owner, error, end or cancel request; failed,
    /// cancelled and skipped executions back to pending (a matrix combination to ready, a matrix step with
    /// combinations to running), their failures forgiven. False when the run is not failed or cancelled.
    /// </summary>
    Task<bool> ReopenAsync(string runId, CancellationToken ct);

    /// <summary>The write path of a run this process has just created (nothing of its steps is stored yet).</summary>
    /// <param name="steps">How many step executions the run is expected to have (its top-level steps): a capacity hint.</param>
    IRunJournal NewJournal(string runId, int steps);

    /// <summary>The write path of a stored run this process now owns, with its step executions as stored.</summary>
    Task<IRunJournal> OpenJournalAsync(string runId, CancellationToken ct);
}

/// <summary>
/// The write path of one run, used by its coordinator alone. Changes are committed in the order they are handed
/// over, each hand-over atomically (a store may commit several together, group commit), so the store always holds a
/// prefix of the run's history. A commit of a run that another owner holds now, or that has ended, writes nothing and
/// fails with <see cref="RunTakenOverException"/>.
/// </summary>
public interface IRunJournal
{
    /// <summary>The run's step executions as they were stored when the journal was opened.</summary>
    IReadOnlyList<StepRow> Stored { get; }

    /// <summary>Hands <paramref name="changes"/> over (without waiting); the task completes once they are durable.</summary>
    Task CommitAsync(RunChanges changes);
}

/// <summary>
/// What one pass of a run's coordinator changed: the run row (when it changed), every step execution that changed (as
/// it is now), and the log lines, cache entries and lineage gathered since the last hand-over. Lists are made at first
/// use: most hand-overs carry a few steps and nothing else.
/// </summary>
public sealed class RunChanges
{
    private List<StepRow>? _steps;
    private List<LogRow>? _logs;
    private List<CacheRow>? _cache;
    private List<LineageRow>? _lineage;

    public RunRow? Run { get; set; }

    public List<StepRow> Steps => _steps ??= [];
    public List<LogRow> Logs => _logs ??= [];
    public List<CacheRow> Cache => _cache ??= [];
    public List<LineageRow> Lineage => _lineage ??= [];

    // A store's view: null for a list never used.
    public IReadOnlyList<StepRow>? StepsIfAny => _steps;
    public IReadOnlyList<LogRow>? LogsIfAny => _logs;
    public IReadOnlyList<CacheRow>? CacheIfAny => _cache;
    public IReadOnlyList<LineageRow>? LineageIfAny => _lineage;

    public bool IsEmpty => Run is null && Empty(_steps) && Empty(_logs) && Empty(_cache) && Empty(_lineage);

    private static bool Empty<T>(List<T>? list) => list is null || list.Count == 0;
}
