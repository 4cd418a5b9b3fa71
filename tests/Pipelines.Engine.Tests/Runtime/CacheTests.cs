using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class CacheTests
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: cached }
        params:
          text: { type: string, default: hello }
        steps:
          first:
            uses: test.count@1
            with:
              value: ${{ params.text }}
          second:
            uses: test.count@1
            with:
              value: ${{ steps.first.outputs.value }} again
        """;

    [Fact]
    public async Task The_same_inputs_are_answered_from_the_cache_without_running_the_activity()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var (first, _) = await harness.RunAsync(Pipeline);

        var (second, status) = await harness.RunAsync(Pipeline);

        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(second);
        Assert.True(steps["first"].Cached);
        Assert.True(steps["second"].Cached);
        Assert.Equal("hello again", RuntimeHarness.Outputs(steps["second"])["value"]!.GetValue<string>());
        Assert.Equal(0, Probe.For(second).Starts("first"));
        Assert.Equal(0, Probe.For(second).Starts("second"));
        Assert.Empty(await harness.Engine.Runs.GetLogsAsync(second, null, CancellationToken.None));
        var original = await harness.StepsAsync(first);
        Assert.False(original["first"].Cached);
        Assert.Equal(original["first"].CacheKey, steps["first"].CacheKey);
        Assert.Equal(original["second"].Outputs, steps["second"].Outputs);
    }

    [Fact]
    public async Task A_changed_input_misses_the_cache_and_so_does_everything_downstream_of_it()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(Pipeline);

        var (id, _) = await harness.RunAsync(Pipeline, new JsonObject { ["text"] = "bye" });

        var steps = await harness.StepsAsync(id);
        Assert.False(steps["first"].Cached);
        Assert.False(steps["second"].Cached);
        Assert.Equal(1, Probe.For(id).Starts("first"));
        Assert.Equal(1, Probe.For(id).Starts("second"));
        Assert.Equal("bye again", RuntimeHarness.Outputs(steps["second"])["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_step_with_cache_false_always_runs()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: uncached }
            steps:
              fresh:
                uses: test.count@1
                cache: false
                with: { value: v }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(yaml);

        var (id, _) = await harness.RunAsync(yaml);

        var step = await harness.StepAsync(id, "fresh");
        Assert.False(step.Cached);
        Assert.Null(step.CacheKey);
        Assert.Equal(1, Probe.For(id).Starts("fresh"));
    }

    [Fact]
    public async Task A_no_cache_run_runs_every_step()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(Pipeline);

        var (id, _) = await harness.RunAsync(Pipeline, request: new RunRequest { NoCache = true });

        var steps = await harness.StepsAsync(id);
        Assert.False(steps["first"].Cached);
        Assert.Equal(1, Probe.For(id).Starts("first"));
        Assert.Equal(1, Probe.For(id).Starts("second"));
    }

    [Fact]
    public async Task A_no_cache_run_still_stores_its_results_for_later_runs()
    {
        // RunRequest.NoCache: "Ignore cached results for every step of this run (results are still stored)."
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(Pipeline, request: new RunRequest { NoCache = true });

        var (id, _) = await harness.RunAsync(Pipeline);

        var steps = await harness.StepsAsync(id);
        Assert.True(steps["first"].Cached, "the result of the no-cache run was not stored in the cache");
        Assert.Equal(0, Probe.For(id).Starts("first"));
    }

    [Fact]
    public async Task A_non_deterministic_activity_is_never_cached()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: clock }
            steps:
              now:
                uses: test.clock@1
                with: { value: v }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(yaml);

        var (id, _) = await harness.RunAsync(yaml);

        var step = await harness.StepAsync(id, "now");
        Assert.False(step.Cached);
        Assert.Null(step.CacheKey);
        Assert.Equal(1, Probe.For(id).Starts("now"));
    }

    [Fact]
    public async Task Another_activity_version_with_the_same_inputs_misses_the_cache()
    {
        const string version1 = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: versioned }
            steps:
              s:
                uses: test.count@1
                with: { value: same }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var (first, _) = await harness.RunAsync(version1);

        var (id, _) = await harness.RunAsync(version1.Replace("test.count@1", "test.count@2", StringComparison.Ordinal));

        var step = await harness.StepAsync(id, "s");
        Assert.False(step.Cached);
        Assert.Equal(1, Probe.For(id).Starts("s"));
        Assert.NotEqual((await harness.StepAsync(first, "s")).CacheKey, step.CacheKey);
    }

    [Fact]
    public async Task Another_activity_type_with_the_same_inputs_misses_the_cache()
    {
        const string echo = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: typed }
            steps:
              s:
                uses: core.echo@1
                with: { message: same }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var (first, _) = await harness.RunAsync(echo);

        var (id, _) = await harness.RunAsync("""
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: typed }
            steps:
              s:
                uses: test.count@1
                with: { value: same }
            """);

        var step = await harness.StepAsync(id, "s");
        Assert.False(step.Cached);
        Assert.NotEqual((await harness.StepAsync(first, "s")).CacheKey, step.CacheKey);
    }

    [Fact]
    public void The_cache_key_depends_on_the_activity_and_the_inputs_but_not_their_order()
    {
        var inputs = new JsonObject { ["a"] = 1, ["b"] = "x" };

        var key = CacheKey.Compute("test.count@1", inputs);

        Assert.Equal(key, CacheKey.Compute("test.count@1", new JsonObject { ["b"] = "x", ["a"] = 1 }));
        Assert.NotEqual(key, CacheKey.Compute("test.count@2", inputs));
        Assert.NotEqual(key, CacheKey.Compute("test.other@1", inputs));
        Assert.NotEqual(key, CacheKey.Compute("test.count@1", new JsonObject { ["a"] = 2, ["b"] = "x" }));
        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Fact]
    public void A_raised_revision_misses_what_older_code_cached_and_revision_1_keeps_the_old_keys()
    {
        var count = RuntimeHarness.Catalog.Find("test.count", 1)!;
        var inputs = new JsonObject { ["value"] = "x", ["number"] = 1 };

        var revised = count with { Revision = 2 };

        Assert.Equal(1, count.Revision);
        Assert.Equal(CacheKey.Compute("test.count@1", inputs), CacheKey.Compute(count, inputs));
        Assert.NotEqual(CacheKey.Compute(count, inputs), CacheKey.Compute(revised, inputs));
        Assert.Equal(CacheKey.Compute(revised, inputs), CacheKey.Compute(count with { Revision = 2 }, inputs));
    }

    [Fact]
    public async Task A_failed_step_is_not_cached()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: fails-once }
            steps:
              s:
                uses: core.fail@1
                with: { message: no }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(yaml);

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        Assert.False((await harness.StepAsync(id, "s")).Cached);
    }

    [Fact]
    public async Task A_matrix_run_again_is_answered_from_the_cache_combination_by_combination()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: cached-matrix }
            params:
              ys: { type: list, default: [1, 2] }
            steps:
              s:
                uses: test.score@1
                matrix:
                  x: [1, 2]
                  y: ${{ params.ys }}
                with:
                  x: ${{ matrix.x }}
                  y: ${{ matrix.y }}
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.RunAsync(yaml);

        var (same, _) = await harness.RunAsync(yaml);
        var (wider, _) = await harness.RunAsync(yaml, new JsonObject { ["ys"] = new JsonArray(1, 2, 3) });

        var steps = await harness.StepsAsync(same);
        Assert.True(steps["s"].Cached);
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(steps[$"s[{i}]"].Cached));
        Assert.Empty(Probe.For(same).Events);
        var widened = await harness.StepsAsync(wider);
        Assert.False(widened["s"].Cached);
        // x=1,y=3 and x=2,y=3 are new; the other four were computed before.
        Assert.Equal(["s[2]", "s[5]"], Enumerable.Range(0, 6).Select(i => $"s[{i}]").Where(c => !widened[c].Cached));
        Assert.Equal(2, Probe.For(wider).Events.Count(e => e.StartsWith("start", StringComparison.Ordinal)));
    }
}
