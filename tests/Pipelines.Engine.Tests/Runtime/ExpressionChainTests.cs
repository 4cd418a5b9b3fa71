using System.Text;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class ExpressionChainTests
{
    [Fact]
    public async Task A_twenty_step_chain_passes_each_output_to_the_next_step()
    {
        var yaml = new StringBuilder("""
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: chain }
            steps:
              s01:
                uses: core.echo@1
                with: { message: a }

            """);
        for (var i = 2; i <= 20; i++)
        {
            yaml.Append($$$"""
                  s{{{i:00}}}:
                    uses: core.echo@1
                    with:
                      message: ${{ steps.s{{{i - 1:00}}}.outputs.message }}{{{(char)('a' + i - 1)}}}

                """);
        }

        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml.ToString());

        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal(20, steps.Count);
        Assert.Equal("abcdefghijklmnopqrst", RuntimeHarness.Outputs(steps["s20"])["message"]!.GetValue<string>());
        for (var i = 2; i <= 20; i++) Assert.True(steps[$"s{i:00}"].StartedAt >= steps[$"s{i - 1:00}"].FinishedAt);
        var logs = await harness.Engine.Runs.GetLogsAsync(id, "s20", CancellationToken.None);
        Assert.Equal("abcdefghijklmnopqrst", Assert.Single(logs).Line);
    }
}
