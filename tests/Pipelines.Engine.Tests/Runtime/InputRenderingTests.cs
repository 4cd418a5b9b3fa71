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
        Assert.StartsWith("input 'value': ", steps["broken"].Error, StringComparison.Ordinal);
        Assert.Equal(1, steps["broken"].Attempts);
        Assert.Equal(0, Probe.For(id).Starts("broken"));
        Assert.Equal("succeeded", steps["a"].Status);
        Assert.Equal("succeeded", steps["b"].Status);
    }

    [Theory]
    [InlineData("Array(90000).fill(0).reduce(a => [a], [])", "nested deeper than 64|took longer than")] // 90,000 callbacks may meet the clock first
    [InlineData("Array(70).fill(0).reduce(a => [a], [])", "nested deeper than 64")]
    [InlineData("2n ** 10n", "BigInt")]
    [InlineData("({ get x() { while (true) {} } })", "statements|took longer than")]
    [InlineData("String('x'.repeat(5e8).length)", "repeat")]
    [InlineData("(() => { throw 'one\\ntwo' })()", @"one\\ntwo")]
    public async Task A_poison_expression_fails_its_step_with_one_located_line_and_the_run_goes_on(string expression, string reason)
    {
        // These aborted the process (a stack overflow while the result was serialised) or escaped the sandbox's error
        // handling and left the run pending; an inline step renders its inputs on the run's own loop.
        var yaml = $$$"""
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: poison }
            steps:
              poisoned:
                uses: core.echo@1
                with:
                  message: ${{ {{{expression}}} }}
              unrelated:
                uses: core.echo@1
                with: { message: still runs }
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("failed", steps["poisoned"].Status);
        Assert.StartsWith("input 'message': ", steps["poisoned"].Error, StringComparison.Ordinal);
        Assert.Matches(reason, steps["poisoned"].Error);
        Assert.DoesNotContain('\n', steps["poisoned"].Error!);
        Assert.Equal("succeeded", steps["unrelated"].Status);
    }
}
