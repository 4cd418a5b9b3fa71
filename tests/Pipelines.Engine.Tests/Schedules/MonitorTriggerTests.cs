using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Monitoring;
using Pipelines.Schedules;

namespace Pipelines.Engine.Tests.Schedules;

/// <summary>
/// <c>monitor</c> triggers over a real runtime: the window's facts come from a scripted <see cref="IModelMonitor"/> (the
/// served-model one is exercised end to end in the API tests) and time is moved by hand, so cooldowns and <c>every</c>
/// are shown without waiting.
/// </summary>
public sealed class MonitorTriggerTests
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: retrain
        params:
          reason: { type: string, default: manual }
          psi: { type: number, default: 0 }
          tag: { type: string, default: none }
        triggers:
          - monitor:
              model: email-subjects@production
              when: "${{ drift.prompt_length.psi > 0.25 || quality.toxicity_rate > 0.01 }}"
              every: 1m
              cooldown: 1h
              min_requests: 50
            concurrency: allow      # whether a run has finished by the next check is the worker's business, not these tests'
            params:
              reason: "${{ model.name }} v${{ model.version }}: drift ${{ drift.status }} over ${{ window.requests }} requests"
              psi: ${{ drift.prompt_length.psi }}
              tag: monitor
        steps:
          note:
            uses: core.echo@1
            with:
              message: ${{ params.reason }}
        """;

    [Fact]
    public async Task A_true_condition_starts_one_run_with_the_facts_as_params_and_the_cooldown_holds_the_next()
    {
        var clock = new ManualClock();
        var monitor = new ScriptedMonitor(Facts(psi: 0.4, requests: 120));
        await using var harness = await SchedulerHarness.StartAsync(time: clock, monitor: monitor);
        await harness.PublishAsync(Pipeline);

        var first = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(1));
        var second = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(59));
        var afterCooldown = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));

        Assert.Equal((MonitorOutcome.Fired, FiringOutcome.Started), (first.Outcome, first.Firing));
        Assert.Equal((MonitorOutcome.Fired, FiringOutcome.SkippedCooldown), (second.Outcome, second.Firing));
        Assert.Equal((MonitorOutcome.Fired, FiringOutcome.Started), (afterCooldown.Outcome, afterCooldown.Firing));
        var runs = await harness.ScheduledRunsAsync("retrain", "monitor");
        Assert.Equal(2, runs.Count);
        Assert.Equal("monitor:retrain#0", runs[0].Trigger);
        Assert.Equal("email-subjects v3: drift drift over 120 requests", SchedulerHarness.Param(runs[0], "reason"));
        Assert.Equal("0.4", SchedulerHarness.Param(runs[0], "psi"));
        Assert.Equal("monitor", SchedulerHarness.Param(runs[0], "tag"));
        Assert.Equal([TimeSpan.FromHours(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1)], monitor.Windows);
    }

    [Fact]
    public async Task The_cooldown_is_kept_in_the_store_so_a_restarted_server_does_not_fire_again()
    {
        var clock = new ManualClock();
        var monitor = new ScriptedMonitor(Facts(psi: 0.4, requests: 120));
        await using var harness = await SchedulerHarness.StartAsync(time: clock, monitor: monitor);
        await harness.PublishAsync(Pipeline);
        await harness.Monitors.CheckAsync(CancellationToken.None);

        // A fresh MonitorTriggers remembers nothing: only schedule_state knows the last run.
        var restarted = new MonitorTriggers(harness.Engine, harness.Starter, [monitor], NullLogger<MonitorTriggers>.Instance);
        clock.Advance(TimeSpan.FromMinutes(30));
        var check = Assert.Single(await restarted.CheckAsync(CancellationToken.None));

        Assert.Equal(FiringOutcome.SkippedCooldown, check.Firing);
        Assert.Single(await harness.ScheduledRunsAsync("retrain", "monitor"));
    }

    [Fact]
    public async Task A_false_condition_too_few_requests_or_an_unserved_model_start_nothing()
    {
        var clock = new ManualClock();
        var monitor = new ScriptedMonitor(Facts(psi: 0.05, requests: 120));
        await using var harness = await SchedulerHarness.StartAsync(time: clock, monitor: monitor);
        await harness.PublishAsync(Pipeline);

        var calm = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(30));
        var early = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));
        monitor.Next = Facts(psi: 0.9, requests: 49);
        clock.Advance(TimeSpan.FromSeconds(30));
        var few = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));
        monitor.Next = null;
        clock.Advance(TimeSpan.FromMinutes(1));
        var unserved = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));

        Assert.Equal([MonitorOutcome.Holds, MonitorOutcome.NotDue, MonitorOutcome.TooFewRequests, MonitorOutcome.Unavailable],
            [calm.Outcome, early.Outcome, few.Outcome, unserved.Outcome]);
        Assert.Empty(await harness.ScheduledRunsAsync("retrain", "monitor"));
    }

    [Fact]
    public async Task A_new_version_is_read_again_and_a_retracted_one_stops_its_monitor()
    {
        var clock = new ManualClock();
        await using var harness = await SchedulerHarness.StartAsync(time: clock, monitor: new ScriptedMonitor(Facts(psi: 0.4, requests: 120)));
        await harness.PublishAsync(Pipeline.Replace("drift.prompt_length.psi > 0.25", "drift.prompt_length.psi > 0.5", StringComparison.Ordinal));

        var strict = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));
        var second = await harness.PublishAsync(Pipeline);
        clock.Advance(TimeSpan.FromMinutes(1));
        var loose = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));
        await harness.RetractAsync("retrain", 2);
        await harness.RetractAsync("retrain", 1);
        clock.Advance(TimeSpan.FromMinutes(1));
        var none = await harness.Monitors.CheckAsync(CancellationToken.None);

        Assert.Equal(2, second.Version);
        Assert.Equal(MonitorOutcome.Holds, strict.Outcome);
        Assert.Equal((2, MonitorOutcome.Fired), (loose.Trigger.Version, loose.Outcome));
        Assert.Empty(none);
    }

    [Fact]
    public async Task Unmeasured_drift_is_null_and_never_fires()
    {
        var clock = new ManualClock();
        var facts = Facts(psi: 0, requests: 500);
        facts["drift"]!["prompt_length"]!["psi"] = null; // no sampled prompt, or no training data to compare with
        await using var harness = await SchedulerHarness.StartAsync(time: clock, monitor: new ScriptedMonitor(facts));
        await harness.PublishAsync(Pipeline);

        var check = Assert.Single(await harness.Monitors.CheckAsync(CancellationToken.None));

        Assert.Equal(MonitorOutcome.Holds, check.Outcome);
    }

    [Fact]
    public void The_shipped_retrain_pipelines_monitor_renders_its_reason_with_and_without_drift_measured()
    {
        var file = Path.Combine(Validation.TestPipelines.PipelinesFolder, "retrain.yaml");
        var trigger = Assert.Single(Validation.TestPipelines.Load(File.ReadAllText(file)).Pipeline!.Triggers);
        var measured = Facts(psi: 0.41234, requests: 250);
        measured["drift"]!["token_distribution"]!["js"] = 0.06;
        var unmeasured = MonitorFacts.Empty();
        unmeasured["window"]!["requests"] = 250;

        var withDrift = (string)MonitorTriggers.Params(trigger, measured)["reason"]!;
        var without = (string)MonitorTriggers.Params(trigger, unmeasured)["reason"]!;

        Assert.Contains("over 250 requests: drift drift (prompt length PSI 0.412, token JS 0.0600)", withDrift, StringComparison.Ordinal);
        Assert.Contains("drift  (prompt length PSI , token JS )", without, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_facts_have_every_name_the_validator_accepts()
    {
        var facts = MonitorFacts.Empty();

        var paths = MonitorFacts.Paths().ToList();
        Assert.Contains("drift.prompt_length.psi", paths);
        Assert.Contains("quality.toxicity_rate", paths);
        Assert.All(paths, path => Assert.True(Walk(facts, path) is { } parent && parent.ContainsKey(path.Split('.')[^1]), path));
        Assert.Equal(paths.Count, paths.Distinct().Count());
    }

    private static JsonObject? Walk(JsonObject facts, string path)
    {
        JsonObject? node = facts;
        foreach (var part in path.Split('.')[..^1]) node = node?[part] as JsonObject;
        return node;
    }

    private static JsonObject Facts(double psi, int requests)
    {
        var facts = MonitorFacts.Empty();
        facts["drift"]!["status"] = psi > 0.25 ? "drift" : "ok";
        facts["drift"]!["prompt_length"]!["psi"] = psi;
        facts["quality"]!["toxicity_rate"] = 0.0;
        facts["window"]!["requests"] = requests;
        facts["model"]!["name"] = "email-subjects";
        facts["model"]!["version"] = 3;
        return facts;
    }

    /// <summary>Answers every observation with <see cref="Next"/> (null: the model is not served), recording the windows asked for.</summary>
    private sealed class ScriptedMonitor(JsonObject? facts) : IModelMonitor
    {
        public JsonObject? Next { get; set; } = facts;

        public List<TimeSpan> Windows { get; } = [];

        public Task<MonitorObservation> ObserveAsync(string model, TimeSpan window, CancellationToken ct)
        {
            Assert.Equal("email-subjects@production", model);
            Windows.Add(window);
            return Task.FromResult(Next is { } facts ? MonitorObservation.Of((JsonObject)facts.DeepClone()) : MonitorObservation.None("it is not served here"));
        }
    }

    /// <summary>A clock moved by hand; its timers never fire on their own (the tests call the checks themselves).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Stopped();

        private sealed class Stopped : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
