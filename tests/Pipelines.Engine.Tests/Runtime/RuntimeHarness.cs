using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>
/// A real engine over a fresh data directory (a real SQLite file), with the control activities (<c>core.*</c>) and this
/// project's test activities only, so the engine is shown to stand without the ML catalog (another catalog can be given:
/// the activities' own tests run theirs on this harness). Publishes
/// YAML after checking it validates, and waits for runs with a bound so a hung run fails the test instead of the suite.
/// </summary>
public sealed class RuntimeHarness : IAsyncDisposable
{
    public static readonly TimeSpan RunBound = TimeSpan.FromSeconds(30);

    private readonly TemporaryDataDirectory _directory = new();
    private bool _closed;

    private RuntimeHarness(ActivityCatalog activities)
    {
        Activities = activities;
    }

    /// <summary><c>core.*</c> and the test activities of this project.</summary>
    public static ActivityCatalog Catalog { get; } = new(
        ActivityCatalog.FromAssemblies(BuiltInActivities.Assembly).All.Where(a => a.Type.StartsWith("core.", StringComparison.Ordinal))
            .Concat(ActivityCatalog.FromAssemblies(typeof(RuntimeHarness).Assembly).All));

    /// <summary>The catalog this harness's engine runs with (<see cref="Catalog"/> unless another was given).</summary>
    public ActivityCatalog Activities { get; }

    public RunEngine Engine { get; private set; } = null!;

    public string DataDirectory => _directory.Path;

    public static async Task<RuntimeHarness> StartAsync(RuntimeOptions? options = null, TimeProvider? time = null, ActivityCatalog? activities = null)
    {
        var harness = new RuntimeHarness(activities ?? Catalog);
        harness.Engine = await RunEngine.OpenAsync(harness.DataDirectory, harness.Activities, options ?? new RuntimeOptions { MaxParallel = 4 }, time);
        return harness;
    }

    /// <summary>Closes the engine and opens a new one on the same data directory, as a restarted process would.</summary>
    public async Task ReopenAsync(RuntimeOptions? options = null)
    {
        await Engine.DisposeAsync();
        Engine = await RunEngine.OpenAsync(DataDirectory, Activities, options ?? new RuntimeOptions { MaxParallel = 4 });
    }

    public async Task<DefinitionVersion> PublishAsync(string yaml)
    {
        var loaded = PipelineLoader.Load("test.yaml", yaml, Activities);
        Assert.True(loaded.Succeeded, "the test pipeline does not validate:\n" + string.Join('\n', loaded.Diagnostics));
        return (await Engine.Definitions.PublishAsync(loaded.Pipeline!.Name, yaml, CancellationToken.None)).Version;
    }

    public async Task<string> CreateRunAsync(string yaml, JsonObject? overrides = null, RunRequest? request = null) =>
        await Engine.CreateRunAsync(await PublishAsync(yaml), overrides ?? [], request);

    public Task<RunStatus> ExecuteAsync(string runId, CancellationToken detach = default) => Engine.ExecuteAsync(runId, detach).WaitAsync(RunBound, CancellationToken.None);

    /// <summary>Publishes, creates and executes a run to its end.</summary>
    public async Task<(string Id, RunStatus Status)> RunAsync(string yaml, JsonObject? overrides = null, RunRequest? request = null)
    {
        var id = await CreateRunAsync(yaml, overrides, request);
        return (id, await ExecuteAsync(id));
    }

    public async Task<RunRow> RunRowAsync(string runId) => (await Engine.Runs.GetRunAsync(runId, CancellationToken.None))!;

    /// <summary>The run's step rows (matrix children included, steps not yet started as pending) by step id.</summary>
    public async Task<IReadOnlyDictionary<string, StepRow>> StepsAsync(string runId) =>
        (await RunReport.StepsInOrderAsync(Engine.Runs, Engine.Definitions, await RunRowAsync(runId), CancellationToken.None)).ToDictionary(s => s.StepId, StringComparer.Ordinal);

    public async Task<StepRow> StepAsync(string runId, string stepId) => (await StepsAsync(runId))[stepId];

    public static JsonObject Outputs(StepRow step) => JsonNode.Parse(step.Outputs ?? "null")?.AsObject() ?? [];

    /// <summary>Closes the engine, so its files can be read as a whole; the directory stays until the harness is disposed.</summary>
    public async Task CloseAsync()
    {
        if (_closed) return;
        _closed = true;
        await Engine.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _directory.Dispose();
    }
}
