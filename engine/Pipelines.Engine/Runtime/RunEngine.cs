using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Artifacts;
using Pipelines.Checkpoints;
using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Persistence.Postgres;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Runtime.Stores;

namespace Pipelines.Runtime;

/// <summary>What a run is started with, besides its pipeline version and params.</summary>
public sealed record RunRequest
{
    /// <summary>How the run was started: <c>manual</c>, <c>schedule:...</c>, <c>api</c>.</summary>
    public string Trigger { get; init; } = "manual";

    /// <summary>Ignore cached results for every step of this run (results are still stored).</summary>
    public bool NoCache { get; init; }

    /// <summary>Fail the run if it has not finished this long after it started.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// The runtime of one process: creates runs, executes them durably (one coordinator per run, sharing the execution
/// slots and one group-committing writer), renews leases, relays cancellation from other processes, and publishes
/// live events. A killed process loses nothing: any process can resume its runs from the store.
/// </summary>
public sealed class RunEngine : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RunCoordinator> _active = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, int), RunPlan> _plans = new();

    // Runs this process created and has not started yet: executing one needs no read of what was just written.
    private readonly ConcurrentDictionary<string, (RunRow Run, RunPlan Plan, JsonObject Params)> _created = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _heartbeatLock = new();
    private readonly ConcurrentDictionary<string, bool> _cancelled = new(StringComparer.Ordinal);
    private readonly SqliteDatabase? _sqlite;
    private readonly PostgresStore? _shared;
    private readonly StepDispatcher? _dispatcher;
    private readonly StepExecutor? _executor;
    private readonly Task? _listener;
    private int _disposedFlag;
    private Task? _heartbeat;

    private RunEngine(StoreDialect dialect, IRunStore runs, SqliteDatabase? sqlite, PostgresStore? shared, string dataDirectory, ActivityCatalog catalog,
        RuntimeOptions options, SecretMask mask, TimeProvider time)
    {
        _sqlite = sqlite;
        _shared = shared;
        DataDirectory = dataDirectory;
        Mask = mask;
        FileRoots = options.FileRoots is { } roots ? new FileRoots([dataDirectory, .. roots]) : null;
        Events = new RunEvents(mask);
        Catalog = catalog;
        Options = options;
        Time = time;
        Runs = runs;
        Definitions = new SqlDefinitionStore(dialect, time);
        Drafts = new SqlDraftStore(dialect, time);
        Registry = new SqlModelRegistry(dialect, time);
        RequestLog = new SqlRequestLog(dialect);
        ScheduleStates = new SqlScheduleStateStore(dialect);
        Slots = new SlotPool(options.MaxParallel);
        Artifacts = new ArtifactStore(new SqlArtifactIndex(dialect, time), dataDirectory, time);
        Checkpoints = new CheckpointStore(dataDirectory);
        Services = new Reviews.RuntimeServices(new SqlReviewStore(dialect, time) { Mask = mask }, Registry, RequestLog);
        var local = new StepServices(Slots, Runs, Registry, FileRoots, Artifacts, Checkpoints, DataDirectory, Services, time) { Worker = options.Owner };
        if (shared is null)
        {
            StepServices = local;
            return;
        }

        // On the shared store every attempt that needs a slot goes through the step queue: this process's runs take
        // dispatch slots instead, and its executor (when it is a worker) claims attempts into its execution slots.
        var queue = new PostgresStepQueue(shared.DataSource);
        StepQueue = queue;
        _dispatcher = new StepDispatcher(queue, time, options.MaxDispatched, wantLive: () => Events.HasSubscribers);
        StepServices = local with { Slots = _dispatcher.Slots, Dispatcher = _dispatcher };
        if (options.ExecutesSteps) _executor = new StepExecutor(queue, catalog, local, mask, options);
        _listener = queue.ListenAsync(() => _executor?.Queued(), _dispatcher.Finished, _disposed.Token);
        if (_executor is not null)
        {
            _executor.Start();
            EnsureHeartbeat();
        }
    }

    /// <summary>
    /// Opens the runtime of this process on its store: the embedded SQLite database in <paramref name="dataDirectory"/>,
    /// or the shared PostgreSQL database of <see cref="RuntimeOptions.SharedStore"/>, with the data directory then a
    /// folder every host sees (artifacts and checkpoints).
    /// </summary>
    public static async Task<RunEngine> OpenAsync(string dataDirectory, ActivityCatalog catalog, RuntimeOptions? options = null, TimeProvider? time = null,
        CancellationToken ct = default)
    {
        options ??= new RuntimeOptions();
        time ??= TimeProvider.System;
        var mask = new SecretMask(options.Secrets); // refuses secrets too short to mask before anything is opened
        var directory = Path.GetFullPath(dataDirectory);
        if (options.SharedStore is { } address)
        {
            var shared = await PostgresStore.OpenAsync(address, time, ct).ConfigureAwait(false);
            Directory.CreateDirectory(directory);
            return new RunEngine(new PostgresDialect(shared.DataSource), shared.OpenRunStore(options.Owner), null, shared, directory, catalog, options, mask, time);
        }

        var database = await SqliteDatabase.OpenAsync(dataDirectory, ct).ConfigureAwait(false);
        return new RunEngine(new SqliteDialect(database), new SqliteRunStore(database, options.Owner), database, null, directory, catalog, options, mask, time);
    }

    /// <summary>The embedded database (tests and benchmarks look inside it); an engine on the shared store has none.</summary>
    public SqliteDatabase Database => _sqlite ?? throw new InvalidOperationException("this engine's store is PostgreSQL, not the embedded SQLite database");

    /// <summary>True when the store is the shared PostgreSQL database, where several hosts run the same runs.</summary>
    public bool IsShared => _shared is not null;

    /// <summary>On the shared store, the queue of step attempts that workers claim (and its record of where each ran); null on SQLite.</summary>
    public IStepQueue? StepQueue { get; }

    /// <summary>Where the store, artifacts and checkpoints live (absolute); activities see it as <see cref="ActivityContext.DataDirectory"/>.</summary>
    public string DataDirectory { get; }

    public ActivityCatalog Catalog { get; }

    public RuntimeOptions Options { get; }

    /// <summary>Whether this process coordinates the run now (its events are published here as they happen).</summary>
    public bool IsExecuting(string runId) => _active.ContainsKey(runId);

    public TimeProvider Time { get; }

    /// <summary>Runs and their steps, the run queue and its leases.</summary>
    public IRunStore Runs { get; }

    public IDefinitionStore Definitions { get; }

    /// <summary>The designer's drafts, apart from the published versions; nothing runs them.</summary>
    public IDraftStore Drafts { get; }

    /// <summary>The model registry: versions with lineage, aliases and their history (behind the engine's contract).</summary>
    public IModelRegistry Registry { get; }

    /// <summary>The served models' request log (behind the engine's contract).</summary>
    public IRequestLog RequestLog { get; }

    /// <summary>When each schedule trigger last fired and the run it started.</summary>
    public IScheduleStateStore ScheduleStates { get; }

    /// <summary>Live events of the runs this process executes, secrets masked.</summary>
    public RunEvents Events { get; }

    /// <summary>The secrets of <see cref="Options"/>, and what masks them wherever the runtime stores, logs or publishes.</summary>
    internal SecretMask Mask { get; }

    /// <summary>The folders local-path inputs may name (the data directory and <see cref="RuntimeOptions.FileRoots"/>); null: anywhere.</summary>
    public FileRoots? FileRoots { get; }

    public ArtifactStore Artifacts { get; }

    public CheckpointStore Checkpoints { get; }

    /// <summary>What activities reach through <see cref="ActivityContext.Services"/>: the review store, the model registry and the request log.</summary>
    public IServiceProvider Services { get; }

    internal SlotPool Slots { get; }

    /// <summary>What every step attempt of this process uses (slots, stores, file roots, services).</summary>
    internal StepServices StepServices { get; }

    /// <summary>
    /// Publishes a pipeline this process has just loaded (or matches it to its existing version) and makes its plan from
    /// the loaded definition, so its runs start without parsing and validating the YAML a second time.
    /// </summary>
    public async Task<PublishResult> PublishAsync(PipelineDefinition pipeline, CancellationToken ct = default)
    {
        var published = await Definitions.PublishAsync(pipeline.Name, pipeline.Source, ct).ConfigureAwait(false);
        _plans.TryAdd((published.Version.Name, published.Version.Version), new RunPlan(pipeline, Catalog));
        return published;
    }

    /// <summary>
    /// The plan of a published version: made once per <c>name@N</c> in this process (the YAML parsed and validated
    /// then, unless <see cref="PublishAsync"/> was handed the definition) and reused by every run of it.
    /// </summary>
    /// <exception cref="RunRequestException">The version no longer validates against this catalog.</exception>
    public RunPlan Plan(DefinitionVersion version) => Plan(version.Name, version.Version, version.Yaml);

    /// <summary>
    /// Creates a run of <paramref name="version"/> (pending, nothing executed yet) and returns its id. Params are the
    /// pipeline's defaults with <paramref name="overrides"/>; every problem with them is reported at once.
    /// </summary>
    public Task<string> CreateRunAsync(DefinitionVersion version, JsonObject overrides, RunRequest? request = null, CancellationToken ct = default)
    {
        Retracted(version);
        var parameters = Plan(version).ResolveParams(overrides, out var errors) ?? throw new RunRequestException(errors);
        return CreateRunAsync(version, parameters, request, ct);
    }

    /// <summary>Creates a run of <paramref name="version"/> with params its plan has resolved already (<see cref="RunPlan.ResolveParams"/>).</summary>
    public async Task<string> CreateRunAsync(DefinitionVersion version, ResolvedParams parameters, RunRequest? request = null, CancellationToken ct = default)
    {
        request ??= new RunRequest();
        Retracted(version);
        var plan = parameters.Plan;
        if (plan.Pipeline.Name != version.Name || !ReferenceEquals(plan, Plan(version)))
        {
            throw new ArgumentException($"the params were resolved for another version than {version.Reference}", nameof(parameters));
        }

        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        var id = RunId.New(Time);
        // Created owned by this process (with a lease), so executing it here needs no second write to take it.
        var run = new RunRow(id, version.Name, version.Version, RunStatus.Pending.Name(), parameters.Values.ToJsonString(), request.Trigger, request.NoCache,
            (long?)request.Timeout?.TotalMilliseconds, now, null, null, null, false, Options.Owner, now + (long)Options.LeaseDuration.TotalMilliseconds);
        await Runs.CreateAsync(run, ct).ConfigureAwait(false);
        _created[id] = (run, plan, parameters.Values);
        return id;
    }

    private static void Retracted(DefinitionVersion version)
    {
        if (version.IsRetracted)
        {
            throw new RunRequestException([$"{version.Reference} is retracted and starts no new runs; publish it again to run it"]);
        }
    }

    /// <summary>
    /// Executes a run in this process until it succeeds, fails or is cancelled, and returns how it ended. Resumes
    /// where the store says it is: finished steps never run again. Cancelling <paramref name="detach"/> stops
    /// executing without ending the run (it stays resumable, as after a crash).
    /// </summary>
    public async Task<RunStatus> ExecuteAsync(string runId, CancellationToken detach = default)
    {
        RunState state;
        IRunJournal journal;
        int? deadLetter = null; // attempts lost in a row to the process dying, when that many fail the steps caught running
        if (_created.TryRemove(runId, out var fresh))
        {
            state = new RunState(fresh.Run, fresh.Plan, Mask, fresh.Params);
            journal = Runs.NewJournal(runId, fresh.Plan.Pipeline.Steps.Count);
        }
        else
        {
            var row = await Runs.GetRunAsync(runId, detach).ConfigureAwait(false)
                      ?? throw new RunRequestException([$"no run with id {runId}"]);
            if (StatusNames.ParseRun(row.Status).IsTerminal())
            {
                return StatusNames.ParseRun(row.Status);
            }

            var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
            var lease = now + (long)Options.LeaseDuration.TotalMilliseconds;
            // Taken from an owner that died mid-run (not from a detached or waiting run, which has none).
            var crashed = row.Owner is not null && row.Owner != Options.Owner && (ProcessOwner.IsDead(row.Owner) || row.LeaseExpiresAt < now);
            if (!await Runs.TryOwnAsync(row, Options.Owner, now, lease, ProcessOwner.IsDead(row.Owner), detach).ConfigureAwait(false))
            {
                // Someone else won the take-over (or the run ended since it was read): say who, from the store.
                var current = await Runs.GetRunAsync(runId, detach).ConfigureAwait(false);
                if (current is not null && StatusNames.ParseRun(current.Status).IsTerminal()) return StatusNames.ParseRun(current.Status);
                throw new RunRequestException([$"run {runId} is being executed by another live process ({current?.Owner}); its lease expires within {Options.LeaseDuration.TotalSeconds:0}s of that process dying"], ownedElsewhere: true);
            }

            var plan = _plans.TryGetValue((row.Pipeline, row.Version), out var known) ? known
                : Plan(row.Pipeline, row.Version, (await Definitions.GetAsync(row.Pipeline, row.Version, detach).ConfigureAwait(false)
                                                   ?? throw new RunRequestException([$"{row.Pipeline}@{row.Version} is not in the store"])).Yaml);
            state = new RunState(row, plan, Mask);
            journal = await Runs.OpenJournalAsync(runId, detach).ConfigureAwait(false);
            state.Load(journal.Stored);
            if (crashed)
            {
                var inARow = await Runs.CountCrashTakeOverAsync(runId, state.All.Count(e => e.Status.IsTerminal()), detach).ConfigureAwait(false);
                if (inARow >= Options.MaxLostAttempts) deadLetter = inARow;
            }
        }

        var onlyHere = fresh.Run is not null;
        var committer = new RunCommitter(state, journal, Events, Checkpoints, Time, Options.Owner, Options.LeaseDuration, onlyHere);
        var coordinator = new RunCoordinator(state, committer, StepServices, Options.Owner, onlyHere, deadLetter);
        if (!_active.TryAdd(runId, coordinator))
        {
            throw new RunRequestException([$"run {runId} is already being executed by this process"]);
        }

        if (state.Row.CancelRequested || _cancelled.TryRemove(runId, out _))
        {
            coordinator.Cancel(); // asked while nobody held the run: honour it before anything starts again
        }

        EnsureHeartbeat();
        try
        {
            var status = await coordinator.RunAsync(detach).ConfigureAwait(false);
            if (_dispatcher is not null && status.IsTerminal()) await _dispatcher.ForgetRunAsync(runId, CancellationToken.None).ConfigureAwait(false);
            return status;
        }
        finally
        {
            _active.TryRemove(runId, out _);
        }
    }

    /// <summary>
    /// Resumes the step of <paramref name="runId"/> waiting on <paramref name="bookmark"/> with <paramref name="payload"/>
    /// (a review's decisions). A run executing in this process continues at once; a waiting run becomes runnable and
    /// continues when executed (<see cref="ExecuteAsync"/>, <c>runs resume</c>, or the host's worker). False when no
    /// such step waits on that bookmark.
    /// </summary>
    public async Task<bool> ResumeBookmarkAsync(string runId, string stepId, string bookmark, JsonNode? payload, CancellationToken ct = default)
    {
        if (_active.TryGetValue(runId, out var coordinator) && await coordinator.ResumeAsync(stepId, bookmark, payload).ConfigureAwait(false))
        {
            return true;
        }

        return await Runs.ResumeBookmarkAsync(runId, stepId, bookmark, payload?.ToJsonString(), ct).ConfigureAwait(false);
    }

    /// <summary>Cancels a run, wherever it executes: at once in this process, within a heartbeat in another.</summary>
    public async Task<bool> CancelAsync(string runId, CancellationToken ct = default)
    {
        var known = await Runs.RequestCancelAsync(runId, ct).ConfigureAwait(false);
        if (_active.TryGetValue(runId, out var coordinator)) coordinator.Cancel();
        else if (_created.ContainsKey(runId)) _cancelled[runId] = true;
        return known;
    }

    private RunPlan Plan(string name, int version, string yaml) =>
        _plans.TryGetValue((name, version), out var known) ? known : _plans.GetOrAdd((name, version), _ =>
        {
            var loaded = PipelineLoader.Load($"{name}@{version}", yaml, Catalog);
            return new RunPlan(loaded.Pipeline ?? throw new RunRequestException(
                [$"{name}@{version} no longer validates against this catalog:", .. loaded.Diagnostics.Select(d => d.ToString())]), Catalog);
        });

    private void EnsureHeartbeat()
    {
        lock (_heartbeatLock)
        {
            _heartbeat ??= Task.Run(HeartbeatAsync);
        }
    }

    /// <summary>Renews this process's leases and relays cancellation requested by other processes.</summary>
    private async Task HeartbeatAsync()
    {
        using var timer = new PeriodicTimer(Options.HeartbeatInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token).ConfigureAwait(false))
            {
                try
                {
                    if (_executor is { Running: > 0 }) await _executor.RenewAsync(_disposed.Token).ConfigureAwait(false);
                    if (_active.IsEmpty) continue;
                    var expires = Time.GetUtcNow().ToUnixTimeMilliseconds() + (long)Options.LeaseDuration.TotalMilliseconds;
                    var (cancelled, lost) = await Runs.RenewAsync(Options.Owner, expires, [.. _active.Keys], _disposed.Token).ConfigureAwait(false);
                    foreach (var runId in cancelled)
                    {
                        if (_active.TryGetValue(runId, out var coordinator)) coordinator.Cancel();
                    }

                    foreach (var runId in lost)
                    {
                        if (_active.TryGetValue(runId, out var coordinator)) coordinator.Abandon();
                    }
                }
                catch (Exception) when (!_disposed.IsCancellationRequested)
                {
                    // A busy or restarting database delays a heartbeat or two; the lease is long enough to survive a few.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposedFlag, 1) == 1) return;
        // The executor first: it hands its claimed tickets back while the heartbeat still renews them.
        if (_executor is not null) await _executor.DisposeAsync().ConfigureAwait(false);
        await _disposed.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null) await _heartbeat.ConfigureAwait(false);
        if (_listener is not null) await _listener.ConfigureAwait(false);
        if (_dispatcher is not null) await _dispatcher.DisposeAsync().ConfigureAwait(false);
        await Runs.DisposeAsync().ConfigureAwait(false);
        if (_shared is not null) await _shared.DisposeAsync().ConfigureAwait(false);
        _disposed.Dispose();
    }
}
