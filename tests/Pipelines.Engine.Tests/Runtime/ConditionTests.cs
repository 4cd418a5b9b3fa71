using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class ConditionTests
{
    [Fact]
    public async Task Skips_propagate_to_steps_that_depend_only_on_skipped_steps()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: skips }
            steps:
              never:
                uses: test.count@1
                when: false
                with: { value: never }
              ran:
                uses: test.count@1
                with: { value: ran }
              only_skipped:
                uses: test.count@1
                needs: [never]
                with: { value: only_skipped }
              transitively_skipped:
                uses: test.count@1
                needs: [only_skipped]
                with: { value: transitively_skipped }
              mixed:
                uses: test.count@1
                needs: [never, ran]
                with: { value: mixed }
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("skipped", steps["never"].Status);
        Assert.Equal("when was false", steps["never"].Error);
        Assert.Equal("skipped", steps["only_skipped"].Status);
        Assert.Equal("every upstream step was skipped", steps["only_skipped"].Error);
        Assert.Equal("skipped", steps["transitively_skipped"].Status);
        Assert.Equal("succeeded", steps["ran"].Status);
        Assert.Equal("succeeded", steps["mixed"].Status);
        var probe = Probe.For(id);
        Assert.Equal(0, probe.Starts("never"));
        Assert.Equal(0, probe.Starts("only_skipped"));
        Assert.Equal(0, probe.Starts("transitively_skipped"));
        Assert.Equal(1, probe.Starts("mixed"));
        Assert.All(new[] { "never", "only_skipped", "transitively_skipped" }, s => Assert.Equal(0, steps[s].Attempts));
    }

    [Fact]
    public async Task A_step_behind_a_failed_gate_does_not_run_though_its_other_upstream_steps_succeeded()
    {
        // The flagship's shape: the gate fails, the review after it is skipped, and the deployment after the review
        // also reads outputs of steps that succeeded. It must be skipped for the failure, not run on those.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: gated-deployment }
            steps:
              model:
                uses: test.count@1
                with: { value: model }
              gate:
                uses: core.fail@1
                needs: [model]
                with: { message: the gate failed }
              review:
                uses: test.count@1
                needs: [gate]
                with: { value: review }
              deploy:
                uses: test.count@1
                needs: [review]
                with: { value: "${{ steps.model.outputs.value }}" }
              after_deploy:
                uses: test.count@1
                needs: [deploy]
                with: { value: after }
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("succeeded", steps["model"].Status);
        Assert.Equal(("skipped", "upstream step 'gate' failed"), (steps["review"].Status, steps["review"].Error));
        Assert.Equal(("skipped", "upstream step 'gate' failed"), (steps["deploy"].Status, steps["deploy"].Error));
        Assert.Equal(("skipped", "upstream step 'gate' failed"), (steps["after_deploy"].Status, steps["after_deploy"].Error));
        Assert.Equal(0, Probe.For(id).Starts("deploy"));
    }

    [Fact]
    public async Task Downstream_of_a_failed_step_is_skipped_naming_it()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: failure-downstream }
            steps:
              train:
                uses: core.fail@1
                with: { message: out of memory }
              evaluate:
                uses: test.count@1
                needs: [train]
              report:
                uses: test.count@1
                needs: [evaluate]
              unrelated: { uses: test.count@1 }
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("failed", steps["train"].Status);
        Assert.Equal("skipped", steps["evaluate"].Status);
        Assert.Contains("'train'", steps["evaluate"].Error, StringComparison.Ordinal);
        Assert.Contains("failed", steps["evaluate"].Error, StringComparison.Ordinal);
        Assert.Equal("skipped", steps["report"].Status);
        Assert.Equal("succeeded", steps["unrelated"].Status);
        Assert.Equal(0, Probe.For(id).Starts("evaluate"));
        var run = await harness.RunRowAsync(id);
        Assert.Equal("step 'train' failed: out of memory", run.Error);
    }

    private const string Gated = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: conditions }
        params:
          deploy: { type: boolean, default: false }
          threshold: { type: number, default: 0.5 }
        steps:
          measure:
            uses: test.count@1
            with: { value: measured, number: 0.7 }
          deploy:
            uses: test.count@1
            when: ${{ params.deploy }}
          good_enough:
            uses: test.count@1
            when: ${{ steps.measure.outputs.number > params.threshold }}
          named:
            uses: test.count@1
            when: ${{ steps.measure.outputs.value == 'measured' && steps.measure.status == 'succeeded' }}
        """;

    [Fact]
    public async Task When_reads_params_and_upstream_outputs()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(Gated);

        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("skipped", steps["deploy"].Status);
        Assert.Equal("succeeded", steps["good_enough"].Status);
        Assert.Equal("succeeded", steps["named"].Status);
    }

    [Fact]
    public async Task When_sees_overridden_params()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(Gated, new JsonObject { ["deploy"] = true, ["threshold"] = 0.9 });

        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("succeeded", steps["deploy"].Status);
        Assert.Equal("skipped", steps["good_enough"].Status);
    }

    [Fact]
    public async Task A_when_that_throws_fails_the_step_with_the_reason()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: when-throws }
            params:
              config: { type: object, default: {} }
            steps:
              check:
                uses: test.count@1
                when: ${{ params.config.nested.flag }}
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var step = await harness.StepAsync(id, "check");
        Assert.Equal("failed", step.Status);
        Assert.StartsWith("when: ", step.Error, StringComparison.Ordinal);
        Assert.Equal(0, Probe.For(id).Starts("check"));
    }
}
