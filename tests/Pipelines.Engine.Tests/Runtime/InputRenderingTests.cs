using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class InputRenderingTests
{
    [Fact]
    public async Task An_input_expression_that_throws_fails_its_step_without_retrying_and_frees_its_slot()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: input-throws }
            params:
              config: { type: object, default: {} }
            steps:
              broken:
                uses: test.count@1
                retry: { max: 3, backoff: 10ms }
                with:
                  value: ${{ params.config.missing.name }}
              a:
                uses: test.count@1
                with: { value: a }
              b:
                uses: test.count@1
                with: { value: b }
            """;
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 1 });

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("failed", steps["broken"].Status);
        Assert.StartsWith("inputs: ", steps["broken"].Error, StringComparison.Ordinal);
        Assert.Equal(1, steps["broken"].Attempts);
        Assert.Equal(0, Probe.For(id).Starts("broken"));
        Assert.Equal("succeeded", steps["a"].Status);
        Assert.Equal("succeeded", steps["b"].Status);
    }
}
