using Pipelines.Engine.Tests.Runtime;
using Pipelines.Reviews;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests.Runtime;

/// <summary>
/// The runtime's protections (secrets masked, artifact references checked) where the activity is one of the catalog's:
/// gate.metric's object input, gate.human's stored review, data.curate's source.
/// </summary>
public sealed class ActivityProtectionTests
{
    [Fact]
    public async Task A_secret_as_an_object_key_is_masked_in_the_stored_inputs()
    {
        var (harness, id) = await SecretTests.RunLeakAsync("""
            steps:
              gate:
                uses: gate.metric@1
                with:
                  require: true
                  metrics: "${{ ({ [secrets.token]: 1, [secrets.token + '!']: 2 }) }}"
            """, EngineHarness.Catalog);
        await using var _ = harness;

        Assert.Equal("""{"require":true,"metrics":{"***":1,"***!":2}}""", (await harness.StepAsync(id, "gate")).Inputs);
    }

    [Fact]
    public async Task A_secret_in_what_a_review_shows_is_masked_in_the_stored_review()
    {
        var (harness, id) = await SecretTests.RunLeakAsync("""
            steps:
              review:
                uses: gate.human@1
                with:
                  title: "Deploy with ${{ secrets.token }}?"
                  samples: [{ input: "${{ secrets.token }}", output: "ok" }]
            """, EngineHarness.Catalog);
        await using var _ = harness;

        var review = Assert.Single(await harness.Engine.Reviews().ListAsync(null, CancellationToken.None));
        Assert.Equal((id, "Deploy with ***?", "***"), (review.RunId, review.Title, review.Samples[0]!["input"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Curation_refuses_a_source_that_climbs_out_of_the_artifact_store()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: curate-probe }
            steps:
              curate:
                uses: data.curate@1
                with:
                  source: artifact://sha256/../../etc/passwd
            """;
        await using var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        Assert.StartsWith("input 'source': 'artifact://sha256/../../etc/passwd' is not an artifact reference", (await harness.StepAsync(id, "curate")).Error,
            StringComparison.Ordinal);
    }
}
