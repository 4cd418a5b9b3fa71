using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>
/// A built <c>pipelines serve</c> host and the runtime it owns. Stopping detaches running runs (they stay
/// resumable); disposing closes the runtime after the host.
/// </summary>
public sealed class ApiServer(WebApplication app, RunEngine engine, IReadOnlyList<string> urls, int tokenCount) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    public RunEngine Engine { get; } = engine;

    /// <summary>The addresses it was asked to listen on.</summary>
    public IReadOnlyList<string> Urls { get; } = urls;

    /// <summary>How many bearer tokens are configured; 0 means the API is open (loopback only).</summary>
    public int TokenCount { get; } = tokenCount;

    public Task StartAsync(CancellationToken ct = default) => App.StartAsync(ct);

    public Task StopAsync(CancellationToken ct = default) => App.StopAsync(ct);

    /// <summary>Starts, then serves until Ctrl+C, SIGTERM or <paramref name="ct"/>; stops gracefully.</summary>
    public async Task RunAsync(CancellationToken ct = default)
    {
        await App.StartAsync(ct);
        await App.WaitForShutdownAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Engine.DisposeAsync();
    }
}
