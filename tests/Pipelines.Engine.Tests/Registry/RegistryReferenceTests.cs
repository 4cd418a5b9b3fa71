using System.Text.Json.Nodes;
using Pipelines.Engine.Tests.Runtime;
using Pipelines.Engine.Tests.Runtime.Activities;
using Pipelines.Persistence;
using Pipelines.Registry;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Registry;

/// <summary>
/// registry://NAME@ALIAS and registry://NAME/VERSION wherever a local-path input is taken: parsed with clear errors,
/// resolved by the runtime when the step starts (recorded in its inputs and log, part of its cache key).
/// </summary>
public sealed class RegistryReferenceTests
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: registry-input }
        params:
          model: { type: string }
        steps:
          read:
            uses: test.path_read@1
            with:
              path: ${{ params.model }}
        """;

    private static readonly CancellationToken Ct = CancellationToken.None;

    [Theory]
    [InlineData("registry://email-subjects@production", "email-subjects", "production", null, null)]
    [InlineData("registry://email-subjects/3", "email-subjects", null, 3, null)]
    [InlineData("registry://email-subjects@production#int8", "email-subjects", "production", null, "int8")]
    [InlineData("registry://m.v2/12#int4-gptq", "m.v2", null, 12, "int4-gptq")]
    public void References_name_a_model_and_an_alias_or_a_version_and_maybe_a_variant(string text, string model, string? alias, int? version, string? variant)
    {
        var reference = RegistryReference.Parse(text);

        Assert.Equal(new RegistryReference(model, alias, version, variant), reference);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("registry://email-subjects")]
    [InlineData("registry://email-subjects@")]
    [InlineData("registry://email-subjects/0")]
    [InlineData("registry://email-subjects/x")]
    [InlineData("registry://Email@production")]
    [InlineData("registry://a@b/3")]
    [InlineData("registry://a@b#")]
    public void A_malformed_reference_says_which_forms_there_are(string text)
    {
        var error = Assert.Throws<RegistryException>(() => RegistryReference.Parse(text));

        Assert.Contains($"'{text}' is not a registry reference", error.Message, StringComparison.Ordinal);
        Assert.Contains("registry://NAME@ALIAS", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void The_short_form_of_a_champion_parses_like_the_full_one() =>
        Assert.Equal(RegistryReference.Parse("registry://m@production"), RegistryReference.ParseShort("m@production"));

    [Fact]
    public async Task A_step_reads_the_files_the_alias_points_at_and_says_so_in_its_log()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var registry = harness.Engine.Registry;
        await registry.RegisterAsync("m", new ModelVersionDraft { Source = "/models/one" }, Ct);
        await registry.RegisterAsync("m", new ModelVersionDraft { Source = "/models/two", Variants = new Dictionary<string, string> { ["int8"] = "/models/two-int8" } }, Ct);
        await registry.MoveAliasAsync("m", "production", 2, "ann", null, Ct);

        var (byAlias, status) = await harness.RunAsync(Pipeline, Model("registry://m@production"));
        var (byVersion, _) = await harness.RunAsync(Pipeline, Model("registry://m/1"));
        var (byVariant, _) = await harness.RunAsync(Pipeline, Model("registry://m@production#int8"));

        Assert.Equal(RunStatus.Succeeded, status);
        Assert.Equal("/models/two", (string)RuntimeHarness.Outputs(await harness.StepAsync(byAlias, "read"))["path"]!);
        Assert.Equal("/models/one", (string)RuntimeHarness.Outputs(await harness.StepAsync(byVersion, "read"))["path"]!);
        Assert.Equal("/models/two-int8", (string)RuntimeHarness.Outputs(await harness.StepAsync(byVariant, "read"))["path"]!);
        // The stored inputs record what was read, not only the alias.
        Assert.Equal("/models/two", (string)JsonNode.Parse((await harness.StepAsync(byAlias, "read")).Inputs!)!["path"]!);
        var logs = await harness.Engine.Runs.GetLogsAsync(byAlias, "read", Ct);
        Assert.Contains(logs, l => l.Line == "path: registry://m@production is version 2 of m (/models/two)");
    }

    [Fact]
    public async Task Moving_the_alias_changes_the_cache_key_and_rolling_back_finds_the_first_result_again()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var registry = harness.Engine.Registry;
        await registry.RegisterAsync("m", new ModelVersionDraft { Source = "/models/one" }, Ct);
        await registry.RegisterAsync("m", new ModelVersionDraft { Source = "/models/two" }, Ct);
        await registry.MoveAliasAsync("m", "production", 1, "ann", null, Ct);
        var (first, _) = await harness.RunAsync(Pipeline, Model("registry://m@production"));

        await registry.MoveAliasAsync("m", "production", 2, "ann", null, Ct);
        var (moved, _) = await harness.RunAsync(Pipeline, Model("registry://m@production"));
        await registry.RollbackAsync("m", "production", "ann", "bad", Ct);
        var (rolledBack, _) = await harness.RunAsync(Pipeline, Model("registry://m@production"));

        Assert.False((await harness.StepAsync(first, "read")).Cached);
        Assert.False((await harness.StepAsync(moved, "read")).Cached);
        Assert.True((await harness.StepAsync(rolledBack, "read")).Cached);
        Assert.Equal("/models/one", (string)RuntimeHarness.Outputs(await harness.StepAsync(rolledBack, "read"))["path"]!);
    }

    [Theory]
    [InlineData("registry://nothing@production", "input 'path': no model named 'nothing' is registered")]
    [InlineData("registry://m@production", "input 'path': m has no alias 'production'; its versions are 1 to 1; its aliases: staging → 1")]
    [InlineData("registry://m/7", "input 'path': m has no version 7")]
    [InlineData("registry://m@staging#int4", "input 'path': version 1 of m has no variant 'int4'")]
    [InlineData("registry://m", "input 'path': 'registry://m' is not a registry reference")]
    public async Task A_reference_that_names_nothing_fails_the_step_saying_what_exists(string reference, string expected)
    {
        await using var harness = await RuntimeHarness.StartAsync();
        await harness.Engine.Registry.RegisterAsync("m", new ModelVersionDraft { Source = "/models/one" }, Ct);
        await harness.Engine.Registry.MoveAliasAsync("m", "staging", 1, "ann", null, Ct);

        var (id, status) = await harness.RunAsync(Pipeline, Model(reference));

        Assert.Equal(RunStatus.Failed, status);
        Assert.StartsWith(expected, (await harness.StepAsync(id, "read")).Error, StringComparison.Ordinal);
        Assert.Equal(0, Probe.For(id).Starts("read"));
    }

    private static JsonObject Model(string value) => new() { ["model"] = value };
}
