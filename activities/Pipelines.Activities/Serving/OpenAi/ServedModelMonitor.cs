using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Monitoring;
using Pipelines.Registry;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// Measures the served models' windows: for <c>monitor</c> triggers on demand (<see cref="ObserveAsync"/>), and every
/// <see cref="ServingSettings.MonitorEvery"/> over the last <see cref="ServingSettings.MonitorWindow"/> for the
/// <c>pipelines_monitor_*</c> gauges of <c>/metrics</c> (<see cref="Latest"/>). A trigger's model matches a served id
/// exactly, or by name and alias (or version) whatever variant is served.
/// </summary>
public sealed class ServedModelMonitor(ServedModels served, ServingSettings settings, ILogger<ServedModelMonitor> logger)
    : IModelMonitor, IHostedService, IDisposable
{
    /// <summary>The most requests a window reads from the log.</summary>
    public const int MaxWindowRequests = 100_000;

    // Each measurement with the number of the refresh that made it: a slow refresh that started earlier never replaces
    // what a later one measured (the timer's refresh and one asked for can overlap).
    private readonly ConcurrentDictionary<string, (long Refresh, MonitoredWindow Window)> _latest = new(StringComparer.Ordinal);
    private long _refreshes;
    private ITimer? _timer;

    /// <summary>The latest scheduled measurement of each served id.</summary>
    public IReadOnlyCollection<MonitoredWindow> Latest => [.. _latest.Values.Select(v => v.Window)];

    public async Task<MonitorObservation> ObserveAsync(string model, TimeSpan window, CancellationToken ct)
    {
        if (Find(model) is not { } live)
            return MonitorObservation.None($"it is not served here (served: {(served.All.Count == 0 ? "none" : string.Join(", ", served.All.Select(m => m.Id)))})");
        var end = served.Time.GetUtcNow();
        var measured = await MeasureAsync(live.Current, end - window, ct).ConfigureAwait(false);
        return MonitorObservation.Of(measured.Facts(end - window, end));
    }

    /// <summary>The window of <paramref name="model"/>'s requests from <paramref name="since"/>.</summary>
    public async Task<MonitoredWindow> MeasureAsync(ServedModel model, DateTimeOffset since, CancellationToken ct) =>
        MonitoredWindow.Measure(model, await served.RequestLog.ListAsync(model.Id, since, MaxWindowRequests, ct).ConfigureAwait(false));

    private LiveModel? Find(string model)
    {
        if (served.Find(model) is { } exact) return exact;
        RegistryReference wanted;
        try
        {
            wanted = RegistryReference.ParseShort(model);
        }
        catch (RegistryException)
        {
            return null;
        }

        return served.All.Select(m => (m.Id, Reference: RegistryReference.ParseShort(m.Id)))
            .Where(m => m.Reference.Model == wanted.Model && m.Reference.Alias == wanted.Alias && m.Reference.Version == wanted.Version
                        && (wanted.Variant is null || m.Reference.Variant == wanted.Variant))
            .Select(m => served.Find(m.Id)).FirstOrDefault();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ServingMetrics.Track(this, watching: true);
        _timer = served.Time.CreateTimer(_ => _ = RefreshInBackgroundAsync(), null, TimeSpan.Zero, settings.MonitorEvery);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        ServingMetrics.Track(this, watching: false);
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>Measures every served id over the last <see cref="ServingSettings.MonitorWindow"/> for the gauges.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var refresh = Interlocked.Increment(ref _refreshes);
        var since = served.Time.GetUtcNow() - settings.MonitorWindow;
        foreach (var model in served.All)
        {
            var measured = (refresh, await MeasureAsync(model, since, ct).ConfigureAwait(false));
            _latest.AddOrUpdate(model.Id, measured, (_, stored) => stored.Refresh > refresh ? stored : measured);
        }
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "measuring the served models' windows failed; the gauges keep their last values");
        }
    }
}
