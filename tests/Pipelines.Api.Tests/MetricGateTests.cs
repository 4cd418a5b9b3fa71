using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

/// <summary>gate.metric through the host: a failed check fails the run with a message naming the check and its actual value.</summary>
public sealed class MetricGateTests
{
    private const string Gated = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: metric-gate }
        params:
          rougeL: { type: number, default: 0.34 }
        steps:
          gate:
            uses: gate.metric@1
            with:
              metrics: { rougeL: "${{ params.rougeL }}" }
              checks: [{ metric: rougeL, op: ">=", value: 0.3 }]
          promote:
            uses: core.echo@1
            needs: [gate]
            with: { message: promoted }
        """;

    [Theory]
    [InlineData(0.34, "succeeded", null)]
    [InlineData(0.21, "failed", "gate failed: rougeL = 0.21, needs >= 0.3")]
    public async Task A_metric_gate_passes_or_fails_the_run_saying_which_check_failed(double rougeL, string expected, string? message)
    {
        await using var server = await TestServer.StartAsync(null);
        using (var published = await server.PublishAsync(Gated)) Assert.True(published.IsSuccessStatusCode);
        using var started = await server.PostJsonAsync("/api/runs", new JsonObject { ["pipeline"] = "metric-gate", ["params"] = new JsonObject { ["rougeL"] = rougeL } });
        var id = (await Json.ReadAsync(started))["id"]!.GetValue<string>();

        var report = await server.WaitForRunAsync(id, expected);

        Assert.Equal(expected, report["status"]!.GetValue<string>());
        var gate = report["steps"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == "gate")!;
        Assert.Equal(message, gate["error"]?.GetValue<string>());
    }
}
