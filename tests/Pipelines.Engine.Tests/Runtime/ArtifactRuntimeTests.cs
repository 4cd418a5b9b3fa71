using Pipelines.Artifacts;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class ArtifactRuntimeTests
{
    [Fact]
    public async Task Lineage_records_the_step_that_produced_an_artifact_and_the_step_that_consumed_it()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: artifacts }
            steps:
              make:
                uses: test.artifact_write@1
                with: { content: the report }
              use:
                uses: test.artifact_read@1
                with:
                  artifact: ${{ steps.make.outputs.artifact }}
            """;
        await using var harness = await RuntimeHarness.StartAsync();

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(id);
        var reference = ArtifactReference.Parse(RuntimeHarness.Outputs(steps["make"])["artifact"]!.GetValue<string>());
        Assert.Equal("the report", RuntimeHarness.Outputs(steps["use"])["content"]!.GetValue<string>());
        var lineage = await harness.Engine.Artifacts.Index.GetLineageAsync(reference, CancellationToken.None);
        Assert.NotNull(lineage);
        Assert.Equal("report", lineage.Kind);
        Assert.Equal(new RunStep(id, "make"), lineage.Producer);
        Assert.Equal([new RunStep(id, "use")], lineage.Consumers);
    }

    [Fact]
    public async Task The_first_run_stays_the_producer_when_a_later_run_makes_the_same_content()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: same-artifact }
            steps:
              make:
                uses: test.artifact_write@1
                cache: false
                with: { content: identical }
            """;
        await using var harness = await RuntimeHarness.StartAsync();
        var (first, _) = await harness.RunAsync(yaml);

        var (second, _) = await harness.RunAsync(yaml);

        var reference = ArtifactReference.Parse(RuntimeHarness.Outputs(await harness.StepAsync(second, "make"))["artifact"]!.GetValue<string>());
        var lineage = await harness.Engine.Artifacts.Index.GetLineageAsync(reference, CancellationToken.None);
        Assert.Equal(new RunStep(first, "make"), lineage!.Producer);
    }
}
