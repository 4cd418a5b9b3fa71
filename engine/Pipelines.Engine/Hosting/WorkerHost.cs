using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipelines.Activities;
using Pipelines.Runtime;

namespace Pipelines.Hosting;

/// <summary>
/// <c>pipelines worker</c>: a host with no API on the shared store. Its engine claims steps from the step queue (of the
/// default pool and of <see cref="RuntimeOptions.Pools"/>), and its <see cref="RunWorker"/> takes over the runs whose
/// coordinator died, on any host. Stopping it (Ctrl+C, SIGTERM) hands its claimed steps back for other workers.
/// </summary>
public static class WorkerHost
{
    /// <summary>Builds the host; <paramref name="runtime"/> must name the shared store.</summary>
    public static async Task<(IHost Host, RunEngine Engine)> BuildAsync(string dataDirectory, ActivityCatalog catalog, RuntimeOptions runtime,
        CancellationToken ct)
    {
        if (runtime.SharedStore is null) throw new ArgumentException("a worker runs on the shared store", nameof(runtime));
        var builder = Host.CreateApplicationBuilder();
        HostLogging.UseConsole(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Api.ApiHost.ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton<RunQueue>();
        builder.Services.AddHostedService<RunWorker>();
        var engine = await RunEngine.OpenAsync(dataDirectory, catalog, runtime, ct: ct);
        builder.Services.AddSingleton(engine);
        return (builder.Build(), engine);
    }
}
