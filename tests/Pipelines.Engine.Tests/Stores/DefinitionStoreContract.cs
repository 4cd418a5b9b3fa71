using Pipelines.Persistence;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>The rules of <see cref="IDefinitionStore"/>, proved on each store by a subclass.</summary>
public abstract class DefinitionStoreContract(StoreTarget target) : StoreContract(target)
{
    private const string Name = "email-subjects";
    private const string Yaml = "name: email-subjects\nsteps:\n  - id: curate\n    uses: data.curate@1\n";
    private const string ChangedYaml = "name: email-subjects\nsteps:\n  - id: curate\n    uses: data.curate@2\n";

    [Fact]
    public async Task First_publish_creates_version_1_with_hash_and_time()
    {
        var store = (await OpenAsync()).Definitions;

        var result = await store.PublishAsync(Name, Yaml, Ct);

        Assert.True(result.Created);
        Assert.Equal("email-subjects@1", result.Version.Reference);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Yaml))), result.Version.Hash);
        Assert.Equal(Start, result.Version.PublishedAt);
        Assert.Equal(TimeSpan.Zero, result.Version.PublishedAt.Offset);
        Assert.Null(result.Version.RetractedAt);
        Assert.Equal(result.Version, await store.GetAsync(Name, 1, Ct));
    }

    [Fact]
    public async Task Publishing_the_same_content_twice_returns_the_existing_version()
    {
        var store = (await OpenAsync()).Definitions;
        var first = await store.PublishAsync(Name, Yaml, Ct);
        Time.Advance(TimeSpan.FromMinutes(5));

        var second = await store.PublishAsync(Name, Yaml, Ct);

        Assert.False(second.Created);
        Assert.Equal(first.Version, second.Version);
        Assert.Single(await store.ListVersionsAsync(Name, Ct));
    }

    [Fact]
    public async Task Crlf_and_lf_line_endings_are_the_same_content()
    {
        var store = (await OpenAsync()).Definitions;
        var lf = await store.PublishAsync(Name, Yaml, Ct);

        var crlf = await store.PublishAsync(Name, Yaml.Replace("\n", "\r\n", StringComparison.Ordinal), Ct);

        Assert.False(crlf.Created);
        Assert.Equal(1, crlf.Version.Version);
        Assert.Equal(lf.Version.Hash, crlf.Version.Hash);
        Assert.DoesNotContain('\r', crlf.Version.Yaml);
    }

    [Fact]
    public async Task Changed_content_becomes_the_next_version()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);
        Time.Advance(TimeSpan.FromMinutes(5));

        var changed = await store.PublishAsync(Name, ChangedYaml, Ct);

        Assert.True(changed.Created);
        Assert.Equal(2, changed.Version.Version);
        Assert.Equal(Start.AddMinutes(5), changed.Version.PublishedAt);
        Assert.Equal(ChangedYaml, (await store.GetAsync(Name, null, Ct))?.Yaml);
    }

    [Fact]
    public async Task Version_numbers_are_counted_per_name()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);
        await store.PublishAsync(Name, ChangedYaml, Ct);

        var other = await store.PublishAsync("other-pipeline", Yaml, Ct);

        Assert.True(other.Created);
        Assert.Equal("other-pipeline@1", other.Version.Reference);
    }

    [Fact]
    public async Task Retracted_version_is_listed_with_its_retraction_time()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);
        await store.PublishAsync(Name, ChangedYaml, Ct);
        Time.Advance(TimeSpan.FromHours(1));

        var retracted = await store.RetractAsync(Name, 1, Ct);

        Assert.Equal(Start.AddHours(1), retracted?.RetractedAt);
        var versions = await store.ListVersionsAsync(Name, Ct);
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal(Start.AddHours(1), versions[0].RetractedAt);
        Assert.Null(versions[1].RetractedAt);
    }

    [Fact]
    public async Task Retracting_again_keeps_the_first_retraction_time()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);
        var first = await store.RetractAsync(Name, 1, Ct);
        Time.Advance(TimeSpan.FromHours(1));

        var again = await store.RetractAsync(Name, 1, Ct);

        Assert.Equal(first, again);
        Assert.Equal(Start, again?.RetractedAt);
    }

    [Fact]
    public async Task Retracting_a_missing_version_returns_null()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);

        Assert.Null(await store.RetractAsync(Name, 2, Ct));
        Assert.Null(await store.RetractAsync("no-such-pipeline", 1, Ct));
    }

    [Fact]
    public async Task Latest_skips_retracted_versions_but_a_pinned_version_is_still_readable()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);
        await store.PublishAsync(Name, ChangedYaml, Ct);
        await store.RetractAsync(Name, 2, Ct);

        Assert.Equal(1, (await store.GetAsync(Name, null, Ct))?.Version);
        Assert.NotNull((await store.GetAsync(Name, 2, Ct))?.RetractedAt);

        await store.RetractAsync(Name, 1, Ct);
        Assert.Null(await store.GetAsync(Name, null, Ct));
    }

    [Fact]
    public async Task Unknown_name_or_version_reads_as_null_or_empty()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);

        Assert.Null(await store.GetAsync("no-such-pipeline", null, Ct));
        Assert.Null(await store.GetAsync(Name, 7, Ct));
        Assert.Empty(await store.ListVersionsAsync("no-such-pipeline", Ct));
    }

    [Fact]
    public async Task Republishing_retracted_content_creates_a_new_version_and_never_reuses_numbers()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);
        await store.PublishAsync(Name, ChangedYaml, Ct);
        await store.RetractAsync(Name, 2, Ct);

        var republished = await store.PublishAsync(Name, ChangedYaml, Ct);

        Assert.True(republished.Created);
        Assert.Equal(3, republished.Version.Version);
        Assert.Equal(3, (await store.GetAsync(Name, null, Ct))?.Version);
    }

    [Fact]
    public async Task Names_are_summarised_with_latest_live_version_count_and_last_publish()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.PublishAsync(Name, ChangedYaml, Ct);
        await store.RetractAsync(Name, 2, Ct);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.PublishAsync("all-retracted", Yaml, Ct);
        await store.RetractAsync("all-retracted", 1, Ct);

        var names = await store.ListNamesAsync(Ct);

        Assert.Equal(
            [
                new DefinitionSummary("all-retracted", null, 1, Start.AddMinutes(2)),
                new DefinitionSummary(Name, 1, 2, Start.AddMinutes(1)),
            ],
            names);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Email-Subjects")]
    [InlineData("email@1")]
    [InlineData("email subjects")]
    public async Task Publishing_under_an_invalid_name_is_refused(string name)
    {
        var store = (await OpenAsync()).Definitions;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.PublishAsync(name, Yaml, Ct));

        Assert.Contains($"'{name}' is not a pipeline name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parallel_publishers_get_distinct_consecutive_versions()
    {
        const int publishers = 8;
        // Stores opened separately stand in for separate processes (hosts) sharing the database.
        var stores = new List<IDefinitionStore>();
        for (var i = 0; i < publishers; i++)
            stores.Add((await OpenAsync()).Definitions);

        var results = await Task.WhenAll(stores.Select((store, i) =>
            Task.Run(() => store.PublishAsync(Name, $"{Yaml}# publisher {i}\n", Ct), Ct)));

        Assert.All(results, r => Assert.True(r.Created));
        Assert.Equal(Enumerable.Range(1, publishers), results.Select(r => r.Version.Version).Order());
        Assert.Equal(Enumerable.Range(1, publishers), (await stores[0].ListVersionsAsync(Name, Ct)).Select(v => v.Version));
    }

    [Fact]
    public async Task Parallel_publishers_of_identical_content_share_one_version()
    {
        var stores = new List<IDefinitionStore>();
        for (var i = 0; i < 8; i++)
            stores.Add((await OpenAsync()).Definitions);

        var results = await Task.WhenAll(stores.Select(store => Task.Run(() => store.PublishAsync(Name, Yaml, Ct), Ct)));

        Assert.Single(results, r => r.Created);
        Assert.All(results, r => Assert.Equal(1, r.Version.Version));
    }

    [Fact]
    public async Task Reopening_the_database_keeps_every_version()
    {
        var store = (await OpenAsync()).Definitions;
        await store.PublishAsync(Name, Yaml, Ct);
        await store.PublishAsync(Name, ChangedYaml, Ct);
        await store.RetractAsync(Name, 1, Ct);
        var before = await store.ListVersionsAsync(Name, Ct);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var reopened = (await OpenAsync()).Definitions;

        Assert.Equal(before, await reopened.ListVersionsAsync(Name, Ct));
        Assert.False((await reopened.PublishAsync(Name, ChangedYaml, Ct)).Created);
    }
}

public sealed class SqliteDefinitionStoreTests() : DefinitionStoreContract(new SqliteTarget());

public sealed class PostgresDefinitionStoreTests() : DefinitionStoreContract(new PostgresTarget());
