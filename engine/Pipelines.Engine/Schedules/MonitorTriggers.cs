using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Definitions;
using Pipelines.Expressions;
using Pipelines.Monitoring;
using Pipelines.Runtime;

namespace Pipelines.Schedules;

/// <summary>What one check of a monitor trigger found.</summary>
public enum MonitorOutcome
{
    /// <summary>Its <c>every</c> has not passed since its last check.</summary>
    NotDue,

    /// <summary>Its model is not served by this host (or names nothing); nothing was measured.</summary>
    Unavailable,

    /// <summary>The window held fewer requests than <c>min_requests</c>.</summary>
    TooFewRequests,

    /// <summary>The condition was false (or not a boolean, or failed: logged).</summary>
    Holds,

    /// <summary>The condition was true; <see cref="MonitorCheck.Firing"/> says what the firing did.</summary>
    Fired,
}

/// <summary>One monitor trigger's check: what it found and, when it fired, what the firing did.</summary>
public sealed record MonitorCheck(ScheduledTrigger Trigger, MonitorOutcome Outcome, FiringOutcome? Firing = null, JsonObject? Facts = null);

/// <summary>
/// Runs the <c>monitor</c> triggers of every pipeline's latest version in <c>pipelines serve</c>: every
/// <see cref="Tick"/> each trigger whose <c>every</c> has passed has its model's window measured by the host's
/// <see cref="IModelMonitor"/>, its <c>when</c> evaluated over the facts in the expression sandbox, and on true a
/// firing handed to <see cref="ScheduledRunStarter"/> (which keeps the cooldown and <c>concurrency</c>). Checks use
/// the engine's clock, so tests move time instead of waiting. A model this host does not serve is reported once per
/// trigger, not at every check.
/// </summary>
public sealed class MonitorTriggers(RunEngine engine, ScheduledRunStarter starter, IEnumerable<IModelMonitor> monitors, ILogger<MonitorTriggers> logger)
    : IHostedService, IDisposable
{
    /// <summary>How often due monitors are looked for; a monitor's own <c>every</c> is the period of its checks.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(15);

    private readonly IModelMonitor? _monitor = monitors.FirstOrDefault();
    private readonly Dictionary<(string Pipeline, int Index), DateTimeOffset> _lastChecked = [];
    private readonly Dictionary<(string Pipeline, int Index), string> _told = [];
    private readonly Dictionary<string, (int Version, IReadOnlyList<ScheduledTrigger> Monitors)> _parsed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _checking = new(1, 1);
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = engine.Time.CreateTimer(_ => _ = CheckInBackgroundAsync(), null, Tick, Tick);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>Checks every monitor trigger that is due now; the timer calls it, and calls never overlap.</summary>
    public async Task<IReadOnlyList<MonitorCheck>> CheckAsync(CancellationToken ct)
    {
        await _checking.WaitAsync(ct);
        try
        {
            var checks = new List<MonitorCheck>();
            foreach (var trigger in await MonitorsAsync(ct)) checks.Add(await CheckAsync(trigger, ct));
            return checks;
        }
        finally
        {
            _checking.Release();
        }
    }

    /// <summary>
    /// The monitor triggers of every pipeline's latest version. A published version never changes, so each is parsed
    /// once, not at every tick: only a publish or a retraction (a new latest version) reads a pipeline again.
    /// </summary>
    private async Task<List<ScheduledTrigger>> MonitorsAsync(CancellationToken ct)
    {
        var monitors = new List<ScheduledTrigger>();
        foreach (var summary in await engine.Definitions.ListNamesAsync(ct))
        {
            if (summary.LatestVersion is not { } version) continue;
            if (!_parsed.TryGetValue(summary.Name, out var parsed) || parsed.Version != version)
            {
                var triggers = await ScheduledTrigger.LoadAsync(engine.Definitions, engine.Catalog, summary.Name, ct);
                _parsed[summary.Name] = parsed = (version, [.. triggers.Where(t => t.Trigger.Monitor is not null)]);
            }

            monitors.AddRange(parsed.Monitors);
        }

        return monitors;
    }

    private async Task<MonitorCheck> CheckAsync(ScheduledTrigger trigger, CancellationToken ct)
    {
        var monitor = trigger.Trigger.Monitor!;
        var key = (trigger.Pipeline, trigger.Index);
        var now = engine.Time.GetUtcNow();
        if (_lastChecked.TryGetValue(key, out var last) && now < last + monitor.Every) return new MonitorCheck(trigger, MonitorOutcome.NotDue);
        _lastChecked[key] = now;

        var observation = _monitor is null
            ? MonitorObservation.None($"this host serves no model (start it with `pipelines serve --model {monitor.Model}`)")
            : await _monitor.ObserveAsync(monitor.Model, monitor.Window, ct);
        if (observation.Facts is not { } facts)
        {
            TellOnce(key, $"monitor {trigger.Name} cannot watch {monitor.Model}: {observation.Unavailable}");
            return new MonitorCheck(trigger, MonitorOutcome.Unavailable);
        }

        _told.Remove(key);
        var requests = (int?)facts["window"]?["requests"] ?? 0;
        if (requests < monitor.MinRequests)
        {
            logger.LogDebug("monitor {Trigger}: {Requests} request(s) in the last {Window}, fewer than min_requests {Min}; not judged",
                trigger.Name, requests, Duration.Format(monitor.Window), monitor.MinRequests);
            return new MonitorCheck(trigger, MonitorOutcome.TooFewRequests, Facts: facts);
        }

        if (!Holds(trigger, facts)) return new MonitorCheck(trigger, MonitorOutcome.Holds, Facts: facts);
        logger.LogInformation("monitor {Trigger}: {When} is true over {Requests} request(s) of {Model}", trigger.Name, monitor.When.Text, requests, monitor.Model);
        var firing = await starter.FireAsync(trigger.Pipeline, trigger.Index, now, facts, ct);
        return new MonitorCheck(trigger, MonitorOutcome.Fired, firing, facts);
    }

    /// <summary>Whether the condition is true over <paramref name="facts"/>; false (and logged) when it fails or is not a boolean.</summary>
    private bool Holds(ScheduledTrigger trigger, JsonObject facts)
    {
        var monitor = trigger.Trigger.Monitor!;
        try
        {
            var value = Sandbox(facts).Render(monitor.When.Template);
            if (value is JsonValue v && v.TryGetValue<bool>(out var holds)) return holds;
            logger.LogWarning("monitor {Trigger}: {When} gave {Value}, not true or false; taken as false (compare the facts, e.g. drift.prompt_length.psi > 0.25)",
                trigger.Name, monitor.When.Text, value?.ToJsonString() ?? "null");
        }
        catch (ExpressionException e)
        {
            logger.LogWarning("monitor {Trigger}: {Reason}; taken as false", trigger.Name, e.Message);
        }

        return false;
    }

    /// <summary>The params of a monitor's run: its literal values and its expressions rendered over <paramref name="facts"/>.</summary>
    /// <exception cref="ExpressionException">An expression failed.</exception>
    public static JsonObject Params(TriggerDefinition trigger, JsonObject facts)
    {
        var values = trigger.Params.DeepClone().AsObject();
        if (trigger.Monitor is not { ParamExpressions.Count: > 0 } monitor) return values;
        var sandbox = Sandbox(facts);
        foreach (var (name, template) in monitor.ParamExpressions) values[name] = template.Render(sandbox);
        return values;
    }

    private static ExpressionSandbox Sandbox(JsonObject facts) => new(new ExpressionScope { Locals = (JsonObject)facts.DeepClone() });

    private void TellOnce((string, int) key, string message)
    {
        if (_told.GetValueOrDefault(key) == message) return;
        _told[key] = message;
        logger.LogWarning("{Message}", message);
    }

    private async Task CheckInBackgroundAsync()
    {
        try
        {
            await CheckAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "checking the monitor triggers failed; the next check tries again");
        }
    }
}
