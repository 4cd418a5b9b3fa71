using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class DagOrderTests
{
    private const string Diamond = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: diamond }
        steps:
          top:
            uses: test.count@1
            with: { value: top }
          left:
            uses: test.count@1
            with:
              value: ${{ steps.top.outputs.value }}-left
          right:
            uses: test.count@1
            needs: [top]
            with: { value: right }
          bottom:
            uses: test.count@1
            with:
              value: ${{ steps.left.outputs.value }}+${{ steps.right.outputs.value }}
        """;

    [Fact]
    public async Task A_step_of_a_diamond_starts_only_after_every_upstream_step_finished()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(Diamond);

        Assert.Equal(RunStatus.Succeeded, status);
        var probe = Probe.For(id);
        Assert.True(probe.IndexOf("finish top") < probe.IndexOf("start left"), string.Join(", ", probe.Events));
        Assert.True(probe.IndexOf("finish top") < probe.IndexOf("start right"), string.Join(", ", probe.Events));
        Assert.True(probe.IndexOf("finish left") < probe.IndexOf("start bottom"), string.Join(", ", probe.Events));
        Assert.True(probe.IndexOf("finish right") < probe.IndexOf("start bottom"), string.Join(", ", probe.Events));
        Assert.All(new[] { "top", "left", "right", "bottom" }, s => Assert.Equal(1, probe.Starts(s)));
        var steps = await harness.StepsAsync(id);
        Assert.All(steps.Values, s => Assert.Equal("succeeded", s.Status));
        Assert.Equal("top-left+right", RuntimeHarness.Outputs(steps["bottom"])["value"]!.GetValue<string>());
        Assert.True(steps["bottom"].StartedAt >= steps["left"].FinishedAt);
        Assert.True(steps["bottom"].StartedAt >= steps["right"].FinishedAt);
    }

    [Fact]
    public async Task The_run_records_when_it_started_and_finished()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, _) = await harness.RunAsync(Diamond);

        var run = await harness.RunRowAsync(id);
        Assert.Equal("succeeded", run.Status);
        Assert.NotNull(run.StartedAt);
        Assert.True(run.FinishedAt >= run.StartedAt);
        Assert.Null(run.Owner);
        Assert.Null(run.Error);
    }
}
