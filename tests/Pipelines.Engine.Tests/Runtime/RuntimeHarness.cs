using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>
/// A real engine over a fresh data directory (a real SQLite file), with the built-in and test activities. Publishes
/// YAML after checking it validates, and waits for runs with a bound so a hung run fails the test instead of the suite.
/// </summary>
public sealed class RuntimeHarness : IAsyncDisposable
{
    public static readonly TimeSpan RunBound = TimeSpan.FromSeconds(30);

    private readonly TemporaryDataDirectory _directory = new();
    private bool _closed;

    private RuntimeHarness()
    {
    }

    public static ActivityCatalog Catalog { get; } = ActivityCatalog.FromAssemblies(BuiltInActivities.Assembly, typeof(RuntimeHarness).Assembly);

    public RunEngine Engine { get; private set; } = null!;

    public string DataDirectory => _directory.Path;

    public static async Task<RuntimeHarness> StartAsync(RuntimeOptions? options = null, TimeProvider? time = null)
    {
        var harness = new RuntimeHarness();
        harness.Engine = await RunEngine.OpenAsync(harness.DataDirectory, Catalog, options ?? new RuntimeOptions { MaxParallel = 4 }, time);
        return harness;
    }

    /// <summary>Closes the engine and opens a new one on the same data directory, as a restarted process would.</summary>
    public async Task ReopenAsync(RuntimeOptions? options = null)
    {
        await Engine.DisposeAsync();
        Engine = await RunEngine.OpenAsync(DataDirectory, Catalog, options ?? new RuntimeOptions { MaxParallel = 4 });
    }

    public async Task<DefinitionVersion> PublishAsync(string yaml)
    {
        var loaded = PipelineLoader.Load("test.yaml", yaml, Catalog);
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
