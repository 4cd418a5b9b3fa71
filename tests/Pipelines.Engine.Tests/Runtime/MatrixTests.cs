using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class MatrixTests
{
    private const string Sweep = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: sweep }
        steps:
          s:
            uses: test.score@1
            matrix:
              x: [1, 3]
              y: [0.5, 0.25]
            select: { minimize: "${{ item.score }}" }
            with:
              x: ${{ matrix.x }}
              y: ${{ matrix.y }}
          widest:
            uses: test.score@1
            cache: false # its children's inputs are s's: cached, whichever ran second would not run at all
            matrix:
              x: [1, 3]
              y: [0.5, 0.25]
            select: { maximize: "${{ item.score }}" }
            with:
              x: ${{ matrix.x }}
              y: ${{ matrix.y }}
          use_best:
            uses: test.count@1
            with:
              value: best x=${{ steps.s.outputs.best.x }} y=${{ steps.s.outputs.best.y }} of ${{ steps.s.outputs.all.length }}
        """;

    [Fact]
    public async Task A_two_by_two_matrix_runs_four_children_first_axis_slowest()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(Sweep);

        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(id);
        var expected = new (double X, double Y)[] { (1, 0.5), (1, 0.25), (3, 0.5), (3, 0.25) };
        for (var i = 0; i < 4; i++)
        {
            var child = steps[$"s[{i}]"];
            Assert.Equal("s", child.ParentId);
            Assert.Equal("succeeded", child.Status);
            var matrix = JsonNode.Parse(child.Matrix!)!;
            Assert.Equal(expected[i].X, matrix["x"]!.GetValue<double>());
            Assert.Equal(expected[i].Y, matrix["y"]!.GetValue<double>());
            Assert.Equal(expected[i].X * expected[i].Y, RuntimeHarness.Outputs(child)["score"]!.GetValue<double>());
        }

        Assert.False(steps.ContainsKey("s[4]"));
        Assert.Equal(1, Probe.For(id).Starts("s[0]"));
        Assert.Equal(1, Probe.For(id).Starts("s[3]"));
    }

    [Fact]
    public async Task The_matrix_step_outputs_all_children_and_the_best_by_its_select()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, _) = await harness.RunAsync(Sweep);

        var steps = await harness.StepsAsync(id);
        Assert.Equal("succeeded", steps["s"].Status);
        var outputs = RuntimeHarness.Outputs(steps["s"]);
        var all = outputs["all"]!.AsArray();
        Assert.Equal(4, all.Count);
        Assert.Equal([0.5, 0.25, 1.5, 0.75], all.Select(a => a!["score"]!.GetValue<double>()));
        Assert.Equal(3, all[2]!["matrix"]!["x"]!.GetValue<double>());
        // minimize x * y: 1 * 0.25; maximize: 3 * 0.5.
        Assert.Equal(0.25, outputs["best"]!["score"]!.GetValue<double>());
        Assert.Equal(1, outputs["best"]!["x"]!.GetValue<double>());
        var widest = RuntimeHarness.Outputs(steps["widest"]);
        Assert.Equal(1.5, widest["best"]!["score"]!.GetValue<double>());
        Assert.Equal(0.5, widest["best"]!["matrix"]!["y"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_downstream_step_reads_the_best_combination()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, _) = await harness.RunAsync(Sweep);

        var downstream = await harness.StepAsync(id, "use_best");
        Assert.Equal("succeeded", downstream.Status);
        Assert.Equal("best x=1 y=0.25 of 4", RuntimeHarness.Outputs(downstream)["value"]!.GetValue<string>());
        var probe = Probe.For(id);
        Assert.True(probe.IndexOf("start use_best") > new[] { 0, 1, 2, 3 }.Max(i => probe.IndexOf($"finish s[{i}]")));
    }

    [Fact]
    public async Task A_matrix_axis_may_come_from_params_or_an_upstream_output()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: axis-from-expressions }
            params:
              sizes: { type: list, default: [4, 8, 16] }
            steps:
              plan:
                uses: test.count@1
                with: { value: "a,b" }
              s:
                uses: test.count@1
                matrix:
                  size: ${{ params.sizes }}
                  style: ${{ steps.plan.outputs.value.split(',') }}
                with:
                  value: ${{ matrix.size }}${{ matrix.style }}
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml, new JsonObject { ["sizes"] = new JsonArray(2, 3) });

        Assert.Equal(RunStatus.Succeeded, status);
        var all = RuntimeHarness.Outputs(await harness.StepAsync(id, "s"))["all"]!.AsArray();
        Assert.Equal(["2a", "2b", "3a", "3b"], all.Select(a => a!["value"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_failing_child_fails_the_matrix_step_and_the_run()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: child-fails }
            steps:
              s:
                uses: test.flaky@1
                matrix: { failures: [0, 9, 0] }
                with:
                  failures: ${{ matrix.failures }}
              after:
                uses: test.count@1
                needs: [s]
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("succeeded", steps["s[0]"].Status);
        Assert.Equal("failed", steps["s[1]"].Status);
        Assert.Equal("succeeded", steps["s[2]"].Status);
        Assert.Equal("failed", steps["s"].Status);
        Assert.Contains("s[1]", steps["s"].Error, StringComparison.Ordinal);
        Assert.Contains("attempt 1 failed on purpose", steps["s"].Error, StringComparison.Ordinal);
        Assert.Equal("skipped", steps["after"].Status);
        Assert.Contains("s[1]", (await harness.RunRowAsync(id)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_computed_axis_with_too_many_values_fails_the_step_before_any_combination_is_made()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: wide-axis }
            steps:
              s:
                uses: test.count@1
                matrix:
                  i: "${{ Array(1000).fill(1) }}"
                with:
                  value: ${{ matrix.i }}
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        Assert.Contains($"more than {Pipelines.Definitions.StepReader.MaxMatrixCombinations} combinations", (await harness.StepAsync(id, "s")).Error, StringComparison.Ordinal);
        Assert.Empty(Probe.For(id).Events);
    }

    [Fact]
    public async Task A_matrix_whose_axis_is_an_empty_list_ends_the_run()
    {
        // Zero combinations: the run must end (succeeded with outputs.all empty, or failed saying why), never hang or throw.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: empty-axis }
            params:
              sizes: { type: list, default: [1] }
            steps:
              s:
                uses: test.count@1
                matrix:
                  size: ${{ params.sizes }}
                with:
                  value: ${{ matrix.size }}
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var id = await harness.CreateRunAsync(yaml, new JsonObject { ["sizes"] = new JsonArray() });

        var error = await Record.ExceptionAsync(() => harness.ExecuteAsync(id));

        Assert.Null(error);
        var run = await harness.RunRowAsync(id);
        Assert.True(run.Status is "succeeded" or "failed", $"the run is {run.Status}");
        var step = await harness.StepAsync(id, "s");
        if (step.Status == "succeeded") Assert.Empty(RuntimeHarness.Outputs(step)["all"]!.AsArray());
    }

    [Fact]
    public async Task A_select_expression_that_is_not_a_number_fails_the_matrix_step()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: select-not-a-number }
            steps:
              s:
                uses: test.count@1
                matrix: { v: [a, b] }
                select: { maximize: "${{ item.value }}" }
                with:
                  value: ${{ matrix.v }}
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var step = await harness.StepAsync(id, "s");
        Assert.Equal("failed", step.Status);
        Assert.StartsWith("select: ", step.Error, StringComparison.Ordinal);
        Assert.Contains("not a number", step.Error, StringComparison.Ordinal);
    }
}
