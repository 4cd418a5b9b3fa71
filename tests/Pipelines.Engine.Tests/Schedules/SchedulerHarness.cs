using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Activities;
using Pipelines.Api;
using Pipelines.Hosting;
using Pipelines.Persistence;
using Pipelines.Runtime;
using Pipelines.Runtime.Stores;
using Pipelines.Schedules;

namespace Pipelines.Engine.Tests.Schedules;

/// <summary>
/// A real runtime over a temporary data directory hosted with what <c>serve</c> hosts for schedules: the run worker,
/// Quartz and the <see cref="PipelineScheduler"/>. Publishing and retracting re-sync the scheduler as the API does.
/// </summary>
public sealed class SchedulerHarness : IAsyncDisposable
{
    private readonly string _directory;
    private IHost _host = null!;

    private SchedulerHarness(string directory, RunEngine engine)
    {
        _directory = directory;
        Engine = engine;
    }

    public RunEngine Engine { get; }

    public PipelineScheduler Scheduler => _host.Services.GetRequiredService<PipelineScheduler>();

    public IScheduleStateStore States => _host.Services.GetRequiredService<IScheduleStateStore>();

    public MonitorTriggers Monitors => _host.Services.GetRequiredService<MonitorTriggers>();

    public ScheduledRunStarter Starter => _host.Services.GetRequiredService<ScheduledRunStarter>();

    /// <summary>
    /// Opens the runtime; <paramref name="beforeStart"/> may seed the store before the host (and the scheduler) starts.
    /// <paramref name="time"/> is the engine's clock; <paramref name="monitor"/> measures served models for monitor triggers;
    /// <paramref name="clusterStore"/> puts Quartz on PostgreSQL, clustered, as <c>serve --schedule-store</c> does.
    /// </summary>
    public static async Task<SchedulerHarness> StartAsync(Func<RunEngine, Task>? beforeStart = null, TimeProvider? time = null, Pipelines.Monitoring.IModelMonitor? monitor = null,
        Pipelines.Persistence.Postgres.PostgresAddress? clusterStore = null)
    {
        var directory = Directory.CreateTempSubdirectory("pipelines-schedule-test-").FullName;
        var engine = await RunEngine.OpenAsync(directory, Runtime.RuntimeHarness.Catalog, new RuntimeOptions { MaxParallel = 4 }, time);
        var harness = new SchedulerHarness(directory, engine);
        if (beforeStart is not null) await beforeStart(engine);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton<RunQueue>();
        builder.Services.AddHostedService<RunWorker>();
        builder.Services.AddPipelineSchedules(clusterStore);
        if (monitor is not null) builder.Services.AddSingleton(monitor);
        harness._host = builder.Build();
        await harness._host.StartAsync();
        return harness;
    }

    public async Task<DefinitionVersion> PublishAsync(string yaml)
    {
        var name = Pipelines.Definitions.PipelineLoader.Load("test.yaml", yaml, Engine.Catalog).Pipeline!.Name;
        var published = await Engine.Definitions.PublishAsync(name, yaml, CancellationToken.None);
        await Scheduler.SyncAsync(name, CancellationToken.None);
        return published.Version;
    }

    public async Task RetractAsync(string name, int version)
    {
        await Engine.Definitions.RetractAsync(name, version, CancellationToken.None);
        await Scheduler.SyncAsync(name, CancellationToken.None);
    }

    /// <summary>The runs triggers of <paramref name="kind"/> started for <paramref name="pipeline"/>, oldest first.</summary>
    public async Task<IReadOnlyList<RunRow>> ScheduledRunsAsync(string pipeline, string kind = "schedule") =>
        [.. (await Engine.Runs.ListRunsAsync(pipeline, null, 1000, CancellationToken.None))
            .Where(r => r.Trigger.StartsWith($"{kind}:", StringComparison.Ordinal)).Reverse()];

    /// <summary>Polls until <paramref name="done"/> holds or <paramref name="timeout"/> passes; returns the last runs seen.</summary>
    public async Task<IReadOnlyList<RunRow>> WaitForRunsAsync(string pipeline, Func<IReadOnlyList<RunRow>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var runs = await ScheduledRunsAsync(pipeline);
            if (done(runs) || DateTime.UtcNow > deadline) return runs;
            await Task.Delay(50);
        }
    }

    public static string Param(RunRow run, string name) => JsonNode.Parse(run.Params)![name]!.ToString();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await Engine.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
