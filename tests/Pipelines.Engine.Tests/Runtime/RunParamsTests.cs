using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class RunParamsTests
{
    private const string Yaml = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: with-params }
        params:
          who: { type: string, default: world }
          rounds: { type: integer, default: 2 }
          sizes: { type: list, default: [4, 8] }
          audience: { type: string }
        steps:
          greet:
            uses: test.count@1
            with:
              value: ${{ params.who }}/${{ params.audience }}/${{ params.rounds * 10 }}/${{ params.sizes.length }}
              number: ${{ params.rounds }}
        """;

    [Fact]
    public async Task Defaults_and_overrides_reach_expressions()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(Yaml, new JsonObject { ["audience"] = "team", ["rounds"] = 3 });

        Assert.Equal(RunStatus.Succeeded, status);
        var outputs = RuntimeHarness.Outputs(await harness.StepAsync(id, "greet"));
        Assert.Equal("world/team/30/2", outputs["value"]!.GetValue<string>());
        Assert.Equal(3, outputs["number"]!.GetValue<double>());
        var stored = JsonNode.Parse((await harness.RunRowAsync(id)).Params)!;
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["audience"] = "team", ["rounds"] = 3, ["who"] = "world", ["sizes"] = new JsonArray(4, 8) }, stored),
            stored.ToJsonString());
    }

    [Fact]
    public async Task Every_problem_with_the_params_is_reported_at_once()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var version = await harness.PublishAsync(Yaml);

        var error = await Assert.ThrowsAsync<RunRequestException>(() =>
            harness.Engine.CreateRunAsync(version, new JsonObject { ["whom"] = "x", ["rounds"] = "three" }));

        Assert.Equal(3, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.Contains("unknown param 'whom'", StringComparison.Ordinal) && p.Contains("who", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'rounds'", StringComparison.Ordinal) && p.Contains("integer", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'audience'", StringComparison.Ordinal) && p.Contains("no default", StringComparison.Ordinal));
        Assert.Empty(await harness.Engine.Runs.ListRunsAsync("with-params", null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_run_of_a_retracted_version_is_refused()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var version = await harness.PublishAsync(Yaml);

        var error = await Assert.ThrowsAsync<RunRequestException>(() =>
            harness.Engine.CreateRunAsync(version with { RetractedAt = DateTimeOffset.UnixEpoch }, new JsonObject { ["audience"] = "x" }));

        Assert.Contains("retracted", error.Message, StringComparison.Ordinal);
    }
}
