using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Activities.Tests.Runtime;
using Pipelines.Engine.Tests.Runtime;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests.Deploy;

/// <summary>
/// deploy.promote@1 and gate.metric@1's champion in a pipeline, as the flagship uses them: register and promote to
/// staging, compare with production's stored metrics, promote to production only when the challenger wins.
/// </summary>
public sealed class PromotionTests : IDisposable
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: promotion }
        params:
          rouge: { type: number }
          model: { type: string }
        steps:
          staging:
            uses: deploy.promote@1
            with:
              name: m
              alias: staging
              model: ${{ params.model }}
              variant: fp32
              variants: { int8: { folder: /exports/int8, bytes: 10 } }
              metrics: { rougeL: "${{ params.rouge }}" }
              review: approved
          compare:
            uses: gate.metric@1
            needs: [staging]
            with:
              metrics: { rougeL: "${{ params.rouge }}" }
              champion: m@production
              compare: metrics.rougeL > champion.metrics.rougeL
              on_fail: pass-with-false
          production:
            uses: deploy.promote@1
            when: ${{ steps.compare.outputs.passed }}
            with:
              name: m
              alias: production
              from: m@staging
              reason: the challenger won
        """;

    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly TemporaryDataDirectory _models = new();

    public void Dispose() => _models.Dispose();

    [Fact]
    public async Task The_first_deployment_passes_a_worse_challenger_stays_in_staging_and_a_better_one_takes_production()
    {
        await using var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);

        var (first, firstStatus) = await harness.RunAsync(Pipeline, Params(0.30));
        var (worse, _) = await harness.RunAsync(Pipeline, Params(0.20));
        var (better, _) = await harness.RunAsync(Pipeline, Params(0.40));

        Assert.Equal(RunStatus.Succeeded, firstStatus);
        var gate = RuntimeHarness.Outputs(await harness.StepAsync(first, "compare"));
        Assert.True((bool)gate["passed"]!);
        Assert.Equal("first deployment: m has no alias production yet, so there is no champion to beat; the comparison passes", (string)gate["reason"]!);
        var promoted = RuntimeHarness.Outputs(await harness.StepAsync(first, "production"));
        Assert.Equal((1, (int?)null, false, "registry://m/1"), ((int)promoted["version"]!, (int?)promoted["previous"], (bool)promoted["registered"]!, (string)promoted["reference"]!));

        var lost = RuntimeHarness.Outputs(await harness.StepAsync(worse, "compare"));
        Assert.False((bool)lost["passed"]!);
        Assert.Equal(1, (int)lost["champion"]!["version"]!);
        Assert.Equal(0.3, (double)lost["champion"]!["metrics"]!["rougeL"]!);
        Assert.Equal("skipped", (await harness.StepAsync(worse, "production")).Status);

        var won = RuntimeHarness.Outputs(await harness.StepAsync(better, "production"));
        Assert.Equal((3, (int?)1), ((int)won["version"]!, (int?)won["previous"]));

        var registry = harness.Engine.Registry;
        var model = (await registry.GetModelAsync("m", Ct))!;
        Assert.Equal(new Dictionary<string, int> { ["production"] = 3, ["staging"] = 3 }, model.Aliases);
        var history = await registry.HistoryAsync("m", "production", Ct);
        Assert.Equal([(null, 1), (1, 3)], history.Select(m => (m.From, m.To)));
        Assert.All(history, m => Assert.Equal("the challenger won", m.Reason));
        Assert.Equal($"run {better}", history[^1].Actor);

        var version = (await registry.GetVersionAsync("m", 2, Ct))!;
        Assert.Equal((Path.GetFullPath(_models.Path), "fp32", "approved", worse, "staging"), (version.Source, version.Variant, version.Review, version.RunId, version.StepId));
        Assert.Equal(new Dictionary<string, string> { ["int8"] = "/exports/int8" }, version.Variants);
        Assert.Equal(0.2, (double)version.Metrics!["rougeL"]!);
    }

    [Fact]
    public async Task A_promotion_run_again_by_the_same_step_reuses_its_version_and_does_not_move_the_alias_twice()
    {
        await using var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);
        var promote = EngineHarness.Catalog.Find("deploy.promote", 1)!;
        var context = new ActivityContext { RunId = "run-a", StepId = "staging", Services = harness.Engine.Services };
        var inputs = new JsonObject { ["name"] = "m", ["alias"] = "staging", ["model"] = _models.Path };

        var once = await promote.ExecuteAsync(inputs, context, Ct);
        var again = await promote.ExecuteAsync(inputs.DeepClone().AsObject(), context, Ct);

        Assert.Equal((1, true), ((int)once["version"]!, (bool)once["registered"]!));
        Assert.Equal((1, false, (int?)null), ((int)again["version"]!, (bool)again["registered"]!, (int?)again["previous"]));
        Assert.Single(await harness.Engine.Registry.ListVersionsAsync("m", Ct));
        Assert.Single(await harness.Engine.Registry.HistoryAsync("m", "staging", Ct));
    }

    [Fact]
    public async Task The_same_artifact_promoted_by_another_run_is_the_same_version()
    {
        await using var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);
        var artifact = (await harness.Engine.Artifacts.PutTextAsync("weights", "model", Ct)).ToString();
        var other = (await harness.Engine.Artifacts.PutTextAsync("other weights", "model", Ct)).ToString();
        var promote = EngineHarness.Catalog.Find("deploy.promote", 1)!;
        JsonObject Inputs(string model) => new() { ["name"] = "m", ["alias"] = "staging", ["model"] = model };

        var first = await promote.ExecuteAsync(Inputs(artifact), new ActivityContext { RunId = "run-a", StepId = "s", Services = harness.Engine.Services }, Ct);
        var again = await promote.ExecuteAsync(Inputs(artifact), new ActivityContext { RunId = "run-b", StepId = "s", Services = harness.Engine.Services }, Ct);
        var changed = await promote.ExecuteAsync(Inputs(other), new ActivityContext { RunId = "run-c", StepId = "s", Services = harness.Engine.Services }, Ct);

        Assert.Equal([1, 1, 2], new[] { first, again, changed }.Select(o => (int)o["version"]!));
        Assert.Equal([true, false, true], new[] { first, again, changed }.Select(o => (bool)o["registered"]!));
        Assert.Equal(artifact, (await harness.Engine.Registry.GetVersionAsync("m", 1, Ct))!.Source);
    }

    [Theory]
    [InlineData("{\"name\": \"m\", \"alias\": \"staging\"}", "deploy.promote needs `model` (files to register as a new version) or `from`")]
    [InlineData("{\"name\": \"m\", \"alias\": \"staging\", \"from\": \"m@production\"}", "no model named 'm' is registered")]
    [InlineData("{\"name\": \"m\", \"alias\": \"staging\", \"from\": \"other@production\"}", "from: other@production is a version of other, not of m")]
    [InlineData("{\"name\": \"M\", \"alias\": \"staging\", \"model\": \"/x\"}", "'M' is not a valid model name")]
    [InlineData("{\"name\": \"m\", \"alias\": \"staging\", \"model\": \"/no/such/folder\"}", "model: /no/such/folder does not exist")]
    public async Task Bad_promotions_fail_saying_what_to_fix(string json, string expected)
    {
        await using var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);
        var promote = EngineHarness.Catalog.Find("deploy.promote", 1)!;
        var context = new ActivityContext { RunId = "r", StepId = "s", Services = harness.Engine.Services };

        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => promote.ExecuteAsync(JsonNode.Parse(json)!.AsObject(), context, Ct));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.False(error.Retryable);
    }

    [Theory]
    [InlineData("champion: m@production", "`champion` is compared through `compare`")]
    [InlineData("compare: metrics.rougeL > 0", "`compare` reads champion.metrics, so it needs `champion: NAME@ALIAS`")]
    [InlineData("champion: m/1\n      compare: \"true\"", "champion: 'm/1' names a fixed version")]
    [InlineData("champion: m@production\n      compare: metrics.rougeL", "compare: `metrics.rougeL` must be true or false")]
    [InlineData("champion: m@production\n      compare: metrics.rougeL > champion.metrics.bleu.score", "compare: ")]
    public async Task A_champion_comparison_written_wrong_fails_saying_how_to_write_it(string with, string expected)
    {
        await using var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);
        await harness.Engine.Registry.RegisterAsync("m", new Pipelines.Registry.ModelVersionDraft { Source = "/x", Metrics = new JsonObject { ["rougeL"] = 0.1 } }, Ct);
        await harness.Engine.Registry.MoveAliasAsync("m", "production", 1, "ann", null, Ct);
        var yaml = $"""
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: {"{"} name: gate {"}"}
            steps:
              gate:
                uses: gate.metric@1
                with:
                  metrics: {"{"} rougeL: 0.2 {"}"}
                  {with}
            """;

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        Assert.Contains(expected, (await harness.StepAsync(id, "gate")).Error, StringComparison.Ordinal);
    }

    private JsonObject Params(double rouge) => new() { ["rouge"] = rouge, ["model"] = _models.Path };
}
