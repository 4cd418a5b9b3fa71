using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Pipelines.Activities.Serving.OpenAi;
using Pipelines.Schedules;

namespace Pipelines.Api.Tests;

/// <summary>
/// <c>GET /api/monitoring/models/{model}</c> on a real host: drift of the logged prompts against the served version's
/// training data, and quality of its logged answers.
/// </summary>
[Collection(OpenAiTestHost.Collection)]
public sealed class MonitoringEndpointTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("pipelines-monitoring-test-").FullName;
    private ApiServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        // The training data the version's lineage names: short questions about meetings.
        await OpenAiTestHost.RegisterTrainedAsync(_data, seed: 5, Enumerable.Range(0, 300).Select(i => $"When is meeting {i % 17} about the {(i % 2 == 0 ? "budget" : "plan")}?"));
        (_server, _client) = await OpenAiTestHost.StartAsync(_data, ["m@production"], new Dictionary<string, string?> { ["SampleRate"] = "1" }, null);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private async Task AskAsync(string prompt)
    {
        var body = new JsonObject { ["model"] = "m@production", ["prompt"] = prompt, ["max_tokens"] = 4, ["temperature"] = 0 };
        using var response = await _client.PostAsync("/v1/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonNode> WindowAsync() => JsonNode.Parse(await _client.GetStringAsync("/api/monitoring/models/m@production"))!;

    [Fact]
    public async Task Prompts_like_the_training_data_are_stable_and_long_foreign_ones_drift()
    {
        for (var i = 0; i < 40; i++) await AskAsync($"When is meeting {i % 17} about the {(i % 2 == 0 ? "budget" : "plan")}?");
        var stable = await WindowAsync();
        for (var i = 0; i < 200; i++) await AskAsync(string.Concat(Enumerable.Repeat($"Ηλεκτρονικό ταχυδρομείο {i} για την αναφορά του προϋπολογισμού. ", 4)));
        var drifted = await WindowAsync();

        Assert.Equal((1, 40, 40), ((int)stable["version"]!, (int)stable["requests"]!, (int)stable["sampled"]!));
        Assert.Equal("ok", (string?)stable["drift"]!["promptLength"]!["status"]);
        Assert.Equal("drift", (string?)drifted["drift"]!["promptLength"]!["status"]);
        Assert.Equal("drift", (string?)drifted["drift"]!["tokenDistribution"]!["status"]);
        Assert.Equal(240, (int)drifted["quality"]!["requests"]!);
        Assert.InRange((double)drifted["quality"]!["truncatedOutputRate"]!, 0, 1);
    }

    [Fact]
    public async Task Shifted_prompts_cross_the_drift_threshold_and_the_monitor_starts_exactly_one_retraining_run_within_its_cooldown()
    {
        await _server.Engine.Definitions.PublishAsync("retrain", """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata:
              name: retrain
            params:
              reason: { type: string, default: manual }
            triggers:
              - monitor:
                  model: m@production
                  when: "${{ drift.prompt_length.psi > 0.25 }}"
                  every: 1ms
                  min_requests: 20
                params:
                  reason: "psi ${{ drift.prompt_length.psi.toFixed(2) }} over ${{ window.sampled }} prompts of v${{ model.version }}"
            steps:
              note:
                uses: core.echo@1
                with:
                  message: ${{ params.reason }}
            """, CancellationToken.None);
        var monitors = _server.App.Services.GetRequiredService<MonitorTriggers>();
        // The test makes every check itself: with the host's own timer (every 15 s) left running, a tick on a slow
        // machine could take the first firing and leave the test's check only the cooldown.
        await monitors.StopAsync(CancellationToken.None);

        for (var i = 0; i < 40; i++) await AskAsync($"When is meeting {i % 17} about the {(i % 2 == 0 ? "budget" : "plan")}?");
        var calm = Assert.Single(await monitors.CheckAsync(CancellationToken.None));
        for (var i = 0; i < 100; i++) await AskAsync(string.Concat(Enumerable.Repeat($"Ηλεκτρονικό ταχυδρομείο {i} για την αναφορά του προϋπολογισμού. ", 4)));
        var drifted = Assert.Single(await monitors.CheckAsync(CancellationToken.None));
        var again = Assert.Single(await monitors.CheckAsync(CancellationToken.None));

        Assert.Equal(MonitorOutcome.Holds, calm.Outcome);
        Assert.True((double)calm.Facts!["drift"]!["prompt_length"]!["psi"]! < 0.25);
        Assert.Equal((MonitorOutcome.Fired, FiringOutcome.Started), (drifted.Outcome, drifted.Firing));
        Assert.Equal((MonitorOutcome.Fired, FiringOutcome.SkippedCooldown), (again.Outcome, again.Firing));
        var run = Assert.Single(await _server.Engine.Runs.ListRunsAsync("retrain", null, 10, CancellationToken.None));
        Assert.Equal("monitor:retrain#0", run.Trigger);
        var reason = (string)JsonNode.Parse(run.Params)!["reason"]!;
        Assert.Matches(@"^psi [0-9]+\.[0-9]{2} over 140 prompts of v1$", reason);
        Assert.True(double.Parse(reason.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) > 0.25, reason);
    }

    [Fact]
    public async Task The_metrics_endpoint_reports_the_latest_window_drift_and_quality_as_gauges()
    {
        for (var i = 0; i < 30; i++) await AskAsync(string.Concat(Enumerable.Repeat($"Ηλεκτρονικό ταχυδρομείο {i} για την αναφορά. ", 4)));
        await _server.App.Services.GetRequiredService<ServedModelMonitor>().RefreshAsync(CancellationToken.None);

        var metrics = await _client.GetStringAsync("/metrics");

        Assert.Matches(@"pipelines_monitor_drift\{[^}]*feature=""prompt_length""[^}]*statistic=""psi""[^}]*\} [0-9.]+", metrics);
        Assert.Matches(@"pipelines_monitor_drift_status\{[^}]*feature=""token_distribution""[^}]*\} 2", metrics);
        Assert.Matches(@"pipelines_monitor_quality\{[^}]*measure=""empty_rate""[^}]*\} [0-9.]+", metrics);
        Assert.Matches(@"pipelines_monitor_window_requests(_total)?\{[^}]*model=""m@production""[^}]*\} 30", metrics);
    }

    [Fact]
    public async Task The_served_models_are_listed_with_the_registry_model_alias_version_and_variant_they_serve()
    {
        var body = JsonNode.Parse(await _client.GetStringAsync("/api/monitoring/models"))!;

        var served = Assert.Single(body["models"]!.AsArray())!;
        Assert.Equal(("m@production", "m", "production", 1, "int8"),
            ((string?)served["id"], (string?)served["model"], (string?)served["alias"], (int)served["version"]!, (string?)served["variant"]));
    }

    [Fact]
    public async Task Without_sampled_prompts_there_is_no_drift_to_report_and_the_note_says_why()
    {
        var window = await WindowAsync();
        using var unknown = await _client.GetAsync("/api/monitoring/models/nope@production");

        Assert.Null(window["drift"]);
        Assert.Contains("no sampled prompts", (string?)window["driftNote"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
