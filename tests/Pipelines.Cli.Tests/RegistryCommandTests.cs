using System.Text.Json.Nodes;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Registry;

namespace Pipelines.Cli.Tests;

/// <summary><c>pipelines registry ...</c> on a store whose registry holds versions registered as deploy.promote will.</summary>
public sealed class RegistryCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private async Task RegisterAsync(params string[] variants)
    {
        Directory.CreateDirectory(_workspace.DataDirectory);
        var registry = new SqlModelRegistry(new SqliteDialect(await SqliteDatabase.OpenAsync(_workspace.DataDirectory, CancellationToken.None)));
        foreach (var variant in variants)
        {
            await registry.RegisterAsync("email-subjects", new ModelVersionDraft
            {
                Source = $"artifact://sha256/{variant}",
                Variant = variant,
                RunId = "06h4q2938nafw38q",
                StepId = "promote",
                Metrics = new JsonObject { ["rougeL"] = 0.26 },
                Review = "approved",
            }, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Aliases_move_with_their_history_and_roll_back()
    {
        await RegisterAsync("fp32", "int8", "int4");

        var staging = await _workspace.RunAsync("registry", "alias", "email-subjects", "production", "1", "--as", "alice", "--reason", "first release");
        var promoted = await _workspace.RunAsync("registry", "alias", "email-subjects", "production", "2", "--as", "bob", "--reason", "smaller, as good");
        var rolledBack = await _workspace.RunAsync("registry", "rollback", "email-subjects", "production", "--as", "carol", "--reason", "complaints");
        var history = await _workspace.RunAsync("registry", "history", "email-subjects", "--json");
        var table = await _workspace.RunAsync("registry", "history", "email-subjects", "production");

        Assert.True(staging.ExitCode == 0, staging.ToString());
        Assert.Equal("email-subjects@production: (new) → 1 (by alice: first release)", staging.OutLines[0]);
        Assert.Equal("email-subjects@production: 1 → 2 (by bob: smaller, as good)", promoted.OutLines[0]);
        Assert.Equal("email-subjects@production: 2 → 1 (rollback) (by carol: complaints)", rolledBack.OutLines[0]);
        var moves = JsonNode.Parse(history.Out)!.AsArray();
        Assert.Equal(["alice", "bob", "carol"], moves.Select(m => (string)m!["actor"]!));
        Assert.Equal([false, false, true], moves.Select(m => (bool)m!["rollback"]!));
        Assert.Contains(table.OutLines, l => l.Contains("2 → 1 (rollback)", StringComparison.Ordinal) && l.Contains("complaints", StringComparison.Ordinal));

        var shown = JsonNode.Parse((await _workspace.RunAsync("registry", "show", "email-subjects@production")).Out)!;
        Assert.Equal(1, (int)shown["version"]!);
        Assert.Equal("fp32", (string?)shown["variant"]);
        Assert.Equal("06h4q2938nafw38q", (string?)shown["runId"]);
        Assert.Equal("int4", (string?)JsonNode.Parse((await _workspace.RunAsync("registry", "show", "email-subjects/3")).Out)!["variant"]);
        Assert.Equal(1, (int)JsonNode.Parse((await _workspace.RunAsync("registry", "show", "email-subjects")).Out)!["aliases"]!["production"]!);
    }

    [Fact]
    public async Task List_and_versions_show_the_models_their_aliases_and_lineage()
    {
        await RegisterAsync("fp32", "int8");
        await _workspace.RunAsync("registry", "alias", "email-subjects", "staging", "2");

        var list = await _workspace.RunAsync("registry", "list");
        var versions = await _workspace.RunAsync("registry", "versions", "email-subjects");

        Assert.Contains(list.OutLines, l => l.Contains("email-subjects", StringComparison.Ordinal) && l.Contains("staging → 2", StringComparison.Ordinal));
        var second = Assert.Single(versions.OutLines, l => l.TrimStart().StartsWith("2 ", StringComparison.Ordinal));
        Assert.Contains("staging", second, StringComparison.Ordinal);
        Assert.Contains("int8", second, StringComparison.Ordinal);
        Assert.Contains("rougeL 0.26", second, StringComparison.Ordinal);
        Assert.Contains("approved", second, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "registry", "show", "nobody" }, "no model named 'nobody' is registered")]
    [InlineData(new[] { "registry", "show", "email-subjects/9" }, "email-subjects has no version 9")]
    [InlineData(new[] { "registry", "show", "email-subjects@production" }, "email-subjects@production does not exist")]
    [InlineData(new[] { "registry", "show", "email-subjects/latest" }, "'latest' in 'email-subjects/latest' is not a version number")]
    [InlineData(new[] { "registry", "alias", "email-subjects", "production", "7" }, "email-subjects has no version 7")]
    [InlineData(new[] { "registry", "alias", "email-subjects", "Prod Uction", "1" }, "'Prod Uction' is not a valid alias name")]
    [InlineData(new[] { "registry", "rollback", "email-subjects", "production" }, "email-subjects@production does not exist, so there is nothing to roll back")]
    [InlineData(new[] { "registry", "versions", "nobody" }, "no model named 'nobody' is registered")]
    [InlineData(new[] { "registry", "history", "nobody" }, "no model named 'nobody' is registered")]
    public async Task Mistakes_are_one_line_errors_with_the_fix(string[] args, string expected)
    {
        await RegisterAsync("fp32");

        var result = await _workspace.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: {expected}", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("bug in pipelines", result.Error, StringComparison.Ordinal);
    }
}

/// <summary>Model commands take registry references as steps do: the files of the version an alias points at.</summary>
public sealed class RegistryReferenceCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Model_generate_reads_the_version_an_alias_points_at_and_says_which()
    {
        var first = Path.Combine(_workspace.Root, "first");
        var second = Path.Combine(_workspace.Root, "second");
        Assert.Equal(0, (await _workspace.RunAsync("model", "init", "--arch", "llama", "--preset", "tiny", "--seed", "1", "--out", first)).ExitCode);
        Assert.Equal(0, (await _workspace.RunAsync("model", "init", "--arch", "llama", "--preset", "tiny", "--seed", "2", "--out", second)).ExitCode);
        var registry = new SqlModelRegistry(new SqliteDialect(await SqliteDatabase.OpenAsync(_workspace.DataDirectory, CancellationToken.None)));
        await registry.RegisterAsync("m", new ModelVersionDraft { Source = first }, CancellationToken.None);
        await registry.RegisterAsync("m", new ModelVersionDraft { Source = second }, CancellationToken.None);
        await registry.MoveAliasAsync("m", "production", 2, "ann", null, CancellationToken.None);

        var byAlias = await _workspace.RunAsync("model", "generate", "--model", "registry://m@production", "--prompt", "hello", "--greedy", "-n", "6");
        var byPath = await _workspace.RunAsync("model", "generate", "--model", second, "--prompt", "hello", "--greedy", "-n", "6");
        var missing = await _workspace.RunAsync("model", "generate", "--model", "registry://m@staging", "--prompt", "hello");

        Assert.True(byAlias.ExitCode == 0, byAlias.ToString());
        Assert.Equal(byPath.Out, byAlias.Out);
        Assert.Contains($"registry://m@production is version 2 of m ({second})", byAlias.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("m has no alias 'staging'", missing.Error, StringComparison.Ordinal);
    }
}
