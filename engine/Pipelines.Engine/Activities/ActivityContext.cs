using Pipelines.Artifacts;
using Pipelines.Checkpoints;

namespace Pipelines.Activities;

/// <summary>One report of progress: a fraction in [0, 1] when known, a message, and named metrics (loss, tokens/s).</summary>
public sealed record ProgressUpdate(double? Fraction, string? Message, IReadOnlyDictionary<string, double>? Metrics = null);

/// <summary>
/// What an activity execution may use besides its inputs: who it is (run, step, attempt), time, a step-scoped log,
/// and a progress channel shown live in the CLI and the designer.
/// </summary>
public sealed class ActivityContext
{
    public required string RunId { get; init; }

    public required string StepId { get; init; }

    /// <summary>1 for the first try, 2 for the first retry, and so on.</summary>
    public int Attempt { get; init; } = 1;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The process running this attempt (<c>host:pid:start</c>): on a shared store, whichever worker claimed the step.</summary>
    public string? Worker { get; init; }

    public IProgress<ProgressUpdate> Progress { get; init; } = Discard.Instance;

    /// <summary>Writes a line to this step's log.</summary>
    public Action<string> Log { get; init; } = static _ => { };

    /// <summary>What the bookmark this step waited on was resumed with (decisions, a callback's body); null on a first run.</summary>
    public System.Text.Json.Nodes.JsonNode? Resumption { get; init; }

    /// <summary>
    /// Suspends the step until <paramref name="bookmark"/> is resumed: <c>throw context.Suspend("review")</c>. The
    /// run is stored as waiting; when the bookmark is resumed the activity runs again with <see cref="Resumption"/>.
    /// </summary>
    public StepSuspendedException Suspend(string bookmark) => new(bookmark);

    /// <summary>Services of the runtime an activity may reach (e.g. <c>Pipelines.Runtime.Stores.IReviewStore</c>); null outside a runtime.</summary>
    public IServiceProvider? Services { get; init; }

    private readonly ArtifactStore? _artifacts;
    private readonly StepCheckpoints? _checkpoints;
    private readonly string? _dataDirectory;

    /// <summary>
    /// The runtime's data directory (an absolute path), for activities that keep shared files there beside the store
    /// and the artifacts, as <c>data.fetch</c> installs corpora under <c>datasets/</c>. Paths inside it are readable by
    /// every step, also under <c>serve</c>'s file roots.
    /// </summary>
    public string DataDirectory
    {
        get => _dataDirectory ?? throw new InvalidOperationException("this activity context has no data directory");
        init => _dataDirectory = value;
    }

    /// <summary>Where outputs worth keeping go (datasets, adapters, models, reports): content-addressed and immutable.</summary>
    public ArtifactStore Artifacts
    {
        get => _artifacts ?? throw new InvalidOperationException("this activity context has no artifact store");
        init => _artifacts = value;
    }

    /// <summary>This step's checkpoints: saved state an attempt resumes from after a crash or a retry.</summary>
    public StepCheckpoints Checkpoints
    {
        get => _checkpoints ?? throw new InvalidOperationException("this activity context has no checkpoint store");
        init => _checkpoints = value;
    }

    /// <summary>Progress nobody reads (a context built without a sink).</summary>
    private sealed class Discard : IProgress<ProgressUpdate>
    {
        public static readonly Discard Instance = new();

        public void Report(ProgressUpdate value)
        {
        }
    }
}
