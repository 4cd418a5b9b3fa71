using System.Text.Json.Nodes;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Registry;

namespace Pipelines.Engine.Tests.Registry;

/// <summary>The registry's rules on the embedded store: numbering, lineage, tags, alias moves with history, rollback, concurrency.</summary>
public sealed class ModelRegistryTests : IDisposable
{
    private const string Model = "email-subjects";

    private static readonly DateTimeOffset Start = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);

    private readonly TemporaryDataDirectory _directory = new();
    private readonly SteppedTimeProvider _time = new(Start);
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => _directory.Dispose();

    private async Task<IModelRegistry> OpenAsync() => new SqliteModelRegistry(await SqliteDatabase.OpenAsync(_directory.Path, _ct), _time);

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
        var registry = await OpenAsync();
        for (var i = 1; i <= count; i++) await registry.RegisterAsync(Model, Draft($"artifact://sha256/v{i}"), _ct);
        return registry;
    }

    [Fact]
    public async Task Versions_are_numbered_per_model_and_keep_their_lineage()
    {
        var registry = await OpenAsync();

        var first = await registry.RegisterAsync(Model, Draft("artifact://sha256/one", "int8"), _ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await registry.RegisterAsync(Model, Draft("artifact://sha256/two"), _ct);
        var other = await registry.RegisterAsync("other-model", Draft("artifact://sha256/three"), _ct);

        Assert.Equal((1, 2, 1), (first.Version, second.Version, other.Version));
        var read = await registry.GetVersionAsync(Model, 1, _ct);
        Assert.NotNull(read);
        Assert.Equal(("artifact://sha256/one", "sha256:base", "sha256:data", "artifact://sha256/adapter", "run1", "promote", "approved", "int8"),
            (read.Source, read.BaseModel, read.Dataset, read.Adapter, read.RunId, read.StepId, read.Review, read.Variant));
        Assert.Equal(0.31, (double)read.Metrics!["rougeL"]!);
        Assert.Equal("mail", read.Tags["team"]);
        Assert.Equal(Start, read.RegisteredAt);
        Assert.Equal([1, 2], (await registry.ListVersionsAsync(Model, _ct)).Select(v => v.Version));
        Assert.Equal([Model, "other-model"], (await registry.ListModelsAsync(_ct)).Select(m => m.Name));
        Assert.Equal(2, (await registry.GetModelAsync(Model, _ct))!.LatestVersion);
        Assert.Null(await registry.GetModelAsync("nobody", _ct));
    }

    [Fact]
    public async Task Alias_moves_are_recorded_with_who_when_and_why_and_rollback_returns_to_the_previous_target()
    {
        var registry = await WithVersionsAsync(3);

        await registry.MoveAliasAsync(Model, "production", 1, "alice", "first release", _ct);
        _time.Advance(TimeSpan.FromHours(1));
        await registry.MoveAliasAsync(Model, "production", 3, "bob", "better rougeL", _ct);
        _time.Advance(TimeSpan.FromHours(1));
        var rolledBack = await registry.RollbackAsync(Model, "production", "carol", "complaints", _ct);

        Assert.Equal((3, 1, true), (rolledBack.From, rolledBack.To, rolledBack.Rollback));
        Assert.Equal(1, (await registry.ResolveAliasAsync(Model, "production", _ct))!.Version);
        var history = await registry.HistoryAsync(Model, "production", _ct);
        Assert.Equal([(null, 1, "alice", "first release"), (1, 3, "bob", "better rougeL"), (3, 1, "carol", "complaints")],
            history.Select(m => (m.From, m.To, m.Actor, m.Reason)));
        Assert.Equal([Start, Start.AddHours(1), Start.AddHours(2)], history.Select(m => m.At));
        // Rolling back a rollback undoes it, as `kubectl rollout undo` does.
        Assert.Equal(3, (await registry.RollbackAsync(Model, "production", "carol", null, _ct)).To);
        Assert.Equal(new Dictionary<string, int> { ["production"] = 3 }, (await registry.GetModelAsync(Model, _ct))!.Aliases);
    }

    [Fact]
    public async Task Each_alias_keeps_its_own_history()
    {
        var registry = await WithVersionsAsync(2);

        await registry.MoveAliasAsync(Model, "staging", 2, "ci", null, _ct);
        await registry.MoveAliasAsync(Model, "production", 1, "alice", null, _ct);

        Assert.Equal(["staging", "production"], (await registry.HistoryAsync(Model, null, _ct)).Select(m => m.Alias));
        Assert.Single(await registry.HistoryAsync(Model, "staging", _ct));
        Assert.Equal(new Dictionary<string, int> { ["production"] = 1, ["staging"] = 2 }, (await registry.GetModelAsync(Model, _ct))!.Aliases);
    }

    [Fact]
    public async Task Concurrent_moves_of_one_alias_serialise_into_a_history_without_gaps()
    {
        var registry = await WithVersionsAsync(8);
        await registry.MoveAliasAsync(Model, "production", 1, "seed", null, _ct);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => registry.MoveAliasAsync(Model, "production", 1 + i % 8, $"mover{i}", null, _ct))));

        var history = await registry.HistoryAsync(Model, "production", _ct);
        Assert.Equal(41, history.Count);
        // Each move starts where the one before it ended: no move read a target another had already replaced.
        for (var i = 1; i < history.Count; i++) Assert.Equal(history[i - 1].To, history[i].From);
        Assert.Equal(history[^1].To, (await registry.ResolveAliasAsync(Model, "production", _ct))!.Version);
    }

    [Fact]
    public async Task Tags_can_be_set_changed_and_removed()
    {
        var registry = await WithVersionsAsync(1);

        await registry.SetTagAsync(Model, 1, "stage", "candidate", _ct);
        await registry.SetTagAsync(Model, 1, "stage", "approved", _ct);
        var removed = await registry.SetTagAsync(Model, 1, "team", "", _ct);

        Assert.Equal(new Dictionary<string, string> { ["stage"] = "approved" }, removed.Tags);
    }

    [Fact]
    public async Task Mistakes_are_explained_with_the_fix()
    {
        var registry = await WithVersionsAsync(2);
        await registry.MoveAliasAsync(Model, "staging", 1, "ci", null, _ct);

        var badName = await Assert.ThrowsAsync<RegistryException>(() => registry.RegisterAsync("Email Subjects", Draft("x"), _ct));
        var noVersion = await Assert.ThrowsAsync<RegistryException>(() => registry.MoveAliasAsync(Model, "production", 9, "ci", null, _ct));
        var noModel = await Assert.ThrowsAsync<RegistryException>(() => registry.MoveAliasAsync("nobody", "production", 1, "ci", null, _ct));
        var noAlias = await Assert.ThrowsAsync<RegistryException>(() => registry.RollbackAsync(Model, "production", "ci", null, _ct));
        var nothingBefore = await Assert.ThrowsAsync<RegistryException>(() => registry.RollbackAsync(Model, "staging", "ci", null, _ct));

        Assert.Equal("'Email Subjects' is not a valid model name", badName.Message);
        Assert.Equal(("email-subjects has no version 9", "its versions are 1 to 2; `registry versions email-subjects` lists them"), (noVersion.Message, noVersion.Hint));
        Assert.Equal("no model named 'nobody' is registered", noModel.Message);
        Assert.Equal("email-subjects@production does not exist, so there is nothing to roll back", noAlias.Message);
        Assert.Equal("email-subjects@staging has had one target only (version 1), so there is nothing to roll back to", nothingBefore.Message);
        Assert.Null(await registry.ResolveAliasAsync(Model, "production", _ct));
        Assert.Single(await registry.HistoryAsync(Model, null, _ct)); // the refused moves left no trace
    }
}
