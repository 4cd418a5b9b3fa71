using System.Text.Json.Nodes;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>The registry's rules, on each store: numbering, lineage, tags, alias moves with history, rollback, concurrency.</summary>
public abstract class ModelRegistryContract(StoreTarget target) : StoreContract(target)
{
    private const string Model = "email-subjects";

    private static ModelVersionDraft Draft(string source, string? variant = null) => new()
    {
        Source = source,
        BaseModel = "sha256:base",
        Dataset = "sha256:data",
        Adapter = "artifact://sha256/adapter",
        RunId = "run1",
        StepId = "promote",
        Metrics = new JsonObject { ["rougeL"] = 0.31 },
        Review = "approved",
        Variant = variant,
        Tags = new Dictionary<string, string> { ["team"] = "mail" },
    };

    private async Task<IModelRegistry> WithVersionsAsync(int count)
    {
        var registry = (await OpenAsync()).Registry;
        for (var i = 1; i <= count; i++) await registry.RegisterAsync(Model, Draft($"artifact://sha256/v{i}"), Ct);
        return registry;
    }

    [Fact]
    public async Task Versions_are_numbered_per_model_and_keep_their_lineage()
    {
        var registry = (await OpenAsync()).Registry;

        var first = await registry.RegisterAsync(Model, Draft("artifact://sha256/one", "int8"), Ct);
        Time.Advance(TimeSpan.FromMinutes(1));
        var second = await registry.RegisterAsync(Model, Draft("artifact://sha256/two"), Ct);
        var other = await registry.RegisterAsync("other-model", Draft("artifact://sha256/three"), Ct);

        Assert.Equal((1, 2, 1), (first.Version, second.Version, other.Version));
        var read = await registry.GetVersionAsync(Model, 1, Ct);
        Assert.NotNull(read);
        Assert.Equal(("artifact://sha256/one", "sha256:base", "sha256:data", "artifact://sha256/adapter", "run1", "promote", "approved", "int8"),
            (read.Source, read.BaseModel, read.Dataset, read.Adapter, read.RunId, read.StepId, read.Review, read.Variant));
        Assert.Equal(0.31, (double)read.Metrics!["rougeL"]!);
        Assert.Equal("mail", read.Tags["team"]);
        Assert.Equal(Start, read.RegisteredAt);
        Assert.Equal([1, 2], (await registry.ListVersionsAsync(Model, Ct)).Select(v => v.Version));
        Assert.Equal([Model, "other-model"], (await registry.ListModelsAsync(Ct)).Select(m => m.Name));
        Assert.Equal(2, (await registry.GetModelAsync(Model, Ct))!.LatestVersion);
        Assert.Null(await registry.GetModelAsync("nobody", Ct));
    }

    [Fact]
    public async Task Alias_moves_are_recorded_with_who_when_and_why_and_rollback_returns_to_the_previous_target()
    {
        var registry = await WithVersionsAsync(3);

        await registry.MoveAliasAsync(Model, "production", 1, "alice", "first release", Ct);
        Time.Advance(TimeSpan.FromHours(1));
        await registry.MoveAliasAsync(Model, "production", 3, "bob", "better rougeL", Ct);
        Time.Advance(TimeSpan.FromHours(1));
        var rolledBack = await registry.RollbackAsync(Model, "production", "carol", "complaints", Ct);

        Assert.Equal((3, 1, true), (rolledBack.From, rolledBack.To, rolledBack.Rollback));
        Assert.Equal(1, (await registry.ResolveAliasAsync(Model, "production", Ct))!.Version);
        var history = await registry.HistoryAsync(Model, "production", Ct);
        Assert.Equal([(null, 1, "alice", "first release"), (1, 3, "bob", "better rougeL"), (3, 1, "carol", "complaints")],
            history.Select(m => (m.From, m.To, m.Actor, m.Reason)));
        Assert.Equal([Start, Start.AddHours(1), Start.AddHours(2)], history.Select(m => m.At));
        // Rolling back a rollback undoes it, as `kubectl rollout undo` does.
        Assert.Equal(3, (await registry.RollbackAsync(Model, "production", "carol", null, Ct)).To);
        Assert.Equal(new Dictionary<string, int> { ["production"] = 3 }, (await registry.GetModelAsync(Model, Ct))!.Aliases);
    }

    [Fact]
    public async Task Each_alias_keeps_its_own_history()
    {
        var registry = await WithVersionsAsync(2);

        await registry.MoveAliasAsync(Model, "staging", 2, "ci", null, Ct);
        await registry.MoveAliasAsync(Model, "production", 1, "alice", null, Ct);

        Assert.Equal(["staging", "production"], (await registry.HistoryAsync(Model, null, Ct)).Select(m => m.Alias));
        Assert.Single(await registry.HistoryAsync(Model, "staging", Ct));
        Assert.Equal(new Dictionary<string, int> { ["production"] = 1, ["staging"] = 2 }, (await registry.GetModelAsync(Model, Ct))!.Aliases);
    }

    [Fact]
    public async Task Concurrent_moves_of_one_alias_serialise_into_a_history_without_gaps()
    {
        var registry = await WithVersionsAsync(8);
        await registry.MoveAliasAsync(Model, "production", 1, "seed", null, Ct);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => registry.MoveAliasAsync(Model, "production", 1 + i % 8, $"mover{i}", null, Ct))));

        var history = await registry.HistoryAsync(Model, "production", Ct);
        Assert.Equal(41, history.Count);
        // Each move starts where the one before it ended: no move read a target another had already replaced.
        for (var i = 1; i < history.Count; i++) Assert.Equal(history[i - 1].To, history[i].From);
        Assert.Equal(history[^1].To, (await registry.ResolveAliasAsync(Model, "production", Ct))!.Version);
    }

    [Fact]
    public async Task Tags_can_be_set_changed_and_removed()
    {
        var registry = await WithVersionsAsync(1);

        await registry.SetTagAsync(Model, 1, "stage", "candidate", Ct);
        await registry.SetTagAsync(Model, 1, "stage", "approved", Ct);
        var removed = await registry.SetTagAsync(Model, 1, "team", "", Ct);

        Assert.Equal(new Dictionary<string, string> { ["stage"] = "approved" }, removed.Tags);
    }

    [Fact]
    public async Task Mistakes_are_explained_with_the_fix()
    {
        var registry = await WithVersionsAsync(2);
        await registry.MoveAliasAsync(Model, "staging", 1, "ci", null, Ct);

        var badName = await Assert.ThrowsAsync<RegistryException>(() => registry.RegisterAsync("Email Subjects", Draft("x"), Ct));
        var noVersion = await Assert.ThrowsAsync<RegistryException>(() => registry.MoveAliasAsync(Model, "production", 9, "ci", null, Ct));
        var noModel = await Assert.ThrowsAsync<RegistryException>(() => registry.MoveAliasAsync("nobody", "production", 1, "ci", null, Ct));
        var noAlias = await Assert.ThrowsAsync<RegistryException>(() => registry.RollbackAsync(Model, "production", "ci", null, Ct));
        var nothingBefore = await Assert.ThrowsAsync<RegistryException>(() => registry.RollbackAsync(Model, "staging", "ci", null, Ct));

        Assert.Equal("'Email Subjects' is not a valid model name", badName.Message);
        Assert.Equal(("email-subjects has no version 9", "its versions are 1 to 2; `registry versions email-subjects` lists them"), (noVersion.Message, noVersion.Hint));
        Assert.Equal("no model named 'nobody' is registered", noModel.Message);
        Assert.Equal("email-subjects@production does not exist, so there is nothing to roll back", noAlias.Message);
        Assert.Equal("email-subjects@staging has had one target only (version 1), so there is nothing to roll back to", nothingBefore.Message);
        Assert.Null(await registry.ResolveAliasAsync(Model, "production", Ct));
        Assert.Single(await registry.HistoryAsync(Model, null, Ct)); // the refused moves left no trace
    }

    [Fact]
    public async Task Concurrent_moves_of_one_alias_from_several_hosts_serialise_into_a_history_without_gaps()
    {
        var registry = await WithVersionsAsync(8);
        await registry.MoveAliasAsync(Model, "production", 1, "seed", null, Ct);
        var hosts = new List<IModelRegistry>();
        for (var i = 0; i < 4; i++) hosts.Add((await OpenAsync()).Registry);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => hosts[i % hosts.Count].MoveAliasAsync(Model, "production", 1 + i % 8, $"mover{i}", i % 5 == 0 ? "rollout" : null, Ct))));

        var history = await registry.HistoryAsync(Model, "production", Ct);
        Assert.Equal(41, history.Count);
        for (var i = 1; i < history.Count; i++) Assert.Equal(history[i - 1].To, history[i].From);
        Assert.Equal(history[^1].To, (await registry.ResolveAliasAsync(Model, "production", Ct))!.Version);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"mover{i}").Order(), history.Skip(1).Select(m => m.Actor).Order());
    }

    [Fact]
    public async Task Concurrent_registrations_from_several_hosts_get_distinct_consecutive_versions()
    {
        var hosts = new List<IModelRegistry>();
        for (var i = 0; i < 4; i++) hosts.Add((await OpenAsync()).Registry);

        var registered = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => hosts[i % hosts.Count].RegisterAsync(Model, Draft($"artifact://sha256/v{i}"), Ct))));

        Assert.Equal(Enumerable.Range(1, 16), registered.Select(v => v.Version).Order());
        Assert.Equal(registered.Select(v => v.Source).Order(), (await hosts[0].ListVersionsAsync(Model, Ct)).Select(v => v.Source).Order());
    }

    [Fact]
    public async Task Rollbacks_racing_with_moves_keep_the_history_a_chain()
    {
        var registry = await WithVersionsAsync(3);
        await registry.MoveAliasAsync(Model, "production", 1, "seed", null, Ct);
        await registry.MoveAliasAsync(Model, "production", 2, "seed", null, Ct);
        var other = (await OpenAsync()).Registry;

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => i % 2 == 0
            ? registry.RollbackAsync(Model, "production", $"undo{i}", null, Ct)
            : other.MoveAliasAsync(Model, "production", 3, $"move{i}", null, Ct))));

        var history = await registry.HistoryAsync(Model, "production", Ct);
        Assert.Equal(22, history.Count);
        for (var i = 1; i < history.Count; i++) Assert.Equal(history[i - 1].To, history[i].From);
        // A rollback goes back to where the move before it came from.
        for (var i = 1; i < history.Count; i++)
        {
            if (history[i].Rollback) Assert.Equal(history[i - 1].From, history[i].To);
        }
    }

    [Fact]
    public async Task Metrics_tags_and_variants_read_back_as_registered()
    {
        var registry = (await OpenAsync()).Registry;
        var draft = Draft("artifact://sha256/one") with
        {
            Metrics = JsonNode.Parse("""{"rougeL":0.3100,"bleu":1e-4,"nested":{"z":1,"a":[2,3]}}""")!.AsObject(),
            Variants = new Dictionary<string, string> { ["int8"] = "artifact://sha256/int8", ["gguf-q4"] = "/models/q4" },
        };

        var registered = await registry.RegisterAsync(Model, draft, Ct);
        var read = (await registry.GetVersionAsync(Model, registered.Version, Ct))!;

        Assert.Equal(draft.Metrics.ToJsonString(), read.Metrics!.ToJsonString());
        Assert.Equal(new Dictionary<string, string> { ["gguf-q4"] = "/models/q4", ["int8"] = "artifact://sha256/int8" }, read.Variants);
        Assert.Equal(["gguf-q4", "int8"], read.Variants.Keys);
    }
}

public sealed class SqliteModelRegistryTests() : ModelRegistryContract(new SqliteTarget());

public sealed class PostgresModelRegistryTests() : ModelRegistryContract(new PostgresTarget());
