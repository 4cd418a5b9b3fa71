using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Definitions;

namespace Pipelines.Activities.Tests.Gates;

/// <summary>gate.metric@1 through its descriptor, as the runtime calls it, and its inputs through validation.</summary>
public sealed class MetricGateTests
{
    private static readonly ActivityCatalog Catalog = BuiltInActivities.CreateCatalog();

    private static Task<JsonObject> Run(JsonObject inputs, List<string>? log = null) =>
        Catalog.Find("gate.metric", 1)!.ExecuteAsync(inputs, new ActivityContext { RunId = "r", StepId = "gate", Log = line => log?.Add(line) }, CancellationToken.None);

    private static JsonObject Inputs(double rougeL, string onFail = "fail") => new()
    {
        ["metrics"] = new JsonObject { ["rougeL"] = rougeL, ["bleu"] = new JsonObject { ["score"] = 12.5 } },
        ["checks"] = new JsonArray(
            new JsonObject { ["metric"] = "rougeL", ["op"] = ">=", ["value"] = 0.3 },
            new JsonObject { ["metric"] = "bleu.score", ["op"] = ">", ["value"] = 10 }),
        ["on_fail"] = onFail,
    };

    [Fact]
    public async Task Checks_that_hold_pass_and_report_each_actual_value()
    {
        var log = new List<string>();

        var outputs = await Run(Inputs(0.34), log);

        Assert.True((bool)outputs["passed"]!);
        Assert.Empty(outputs["failures"]!.AsArray());
        Assert.Equal([0.34, 12.5], outputs["results"]!.AsArray().Select(r => (double)r!["actual"]!));
        Assert.Equal(["ok   rougeL >= 0.3 (actual 0.34)", "ok   bleu.score > 10 (actual 12.5)"], log);
    }

    [Fact]
    public async Task A_failed_check_fails_the_step_naming_the_metric_and_its_actual_value()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Run(Inputs(0.21)));

        Assert.Equal("gate failed: rougeL = 0.21, needs >= 0.3", error.Message);
        Assert.False(error.Retryable);
    }

    [Fact]
    public async Task Pass_with_false_succeeds_with_passed_false_and_the_failures()
    {
        var outputs = await Run(Inputs(0.21, "pass-with-false"));

        Assert.False((bool)outputs["passed"]!);
        Assert.Equal(["rougeL = 0.21, needs >= 0.3"], outputs["failures"]!.AsArray().Select(f => (string)f!));
    }

    [Fact]
    public async Task A_missing_metric_fails_and_lists_the_metrics_there_are()
    {
        var inputs = Inputs(0.5);
        inputs["checks"]!.AsArray().Add(new JsonObject { ["metric"] = "chrf", ["op"] = ">=", ["value"] = 40 });

        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Run(inputs));

        Assert.Equal("gate failed: chrf is missing from the metrics (it has: rougeL, bleu)", error.Message);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task A_required_condition_decides_alone(bool require, bool passes)
    {
        var inputs = new JsonObject { ["require"] = require, ["on_fail"] = "pass-with-false" };

        var outputs = await Run(inputs);

        Assert.Equal(passes, (bool)outputs["passed"]!);
    }

    [Fact]
    public async Task A_gate_with_nothing_to_check_is_an_error()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Run([]));

        Assert.Contains("needs `require`", error.Message);
    }

    [Fact]
    public void A_check_with_an_unknown_operator_or_field_is_caught_before_the_run()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: gate-check }
            steps:
              gate:
                uses: gate.metric@1
                with:
                  metrics: { rougeL: 0.3 }
                  checks:
                    - { metric: rougeL, op: "=>", value: 0.3 }
                    - { metric: rougeL, opp: ">=", value: 0.3 }
            """;

        var diagnostics = PipelineLoader.Load("gate.yaml", yaml, Catalog).Diagnostics;

        Assert.Contains(diagnostics, d => d.Code == "PL2004" && d.Location.Line == 10 && d.Message.Contains("'=>'", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Code == "PL3004" && d.Location.Line == 11 && d.Hint == "did you mean 'op'?");
        Assert.Contains(diagnostics, d => d.Code == "PL3003" && d.Location.Line == 11 && d.Message.Contains("'op'", StringComparison.Ordinal));
    }
}
