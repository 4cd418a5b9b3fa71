using Pipelines.Persistence;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>The rules of <see cref="IDraftStore"/>, on each store.</summary>
public abstract class DraftStoreContract(StoreTarget target) : StoreContract(target)
{
    [Fact]
    public async Task A_saved_draft_replaces_the_one_before_and_reads_back_with_its_time()
    {
        var drafts = (await OpenAsync()).Drafts;
        await drafts.SaveAsync("email-subjects", "first", Ct);
        Time.Advance(TimeSpan.FromMinutes(2));

        var saved = await drafts.SaveAsync("email-subjects", "steps:\r\n  broken: [", Ct);

        Assert.Equal(new Draft("email-subjects", "steps:\n  broken: [", Start.AddMinutes(2)), saved);
        Assert.Equal(saved, await drafts.GetAsync("email-subjects", Ct));
    }

    [Fact]
    public async Task Drafts_are_listed_by_name_and_deleted_once()
    {
        var drafts = (await OpenAsync()).Drafts;
        await drafts.SaveAsync("zeta", "z", Ct);
        await drafts.SaveAsync("alpha-2", "a2", Ct);
        await drafts.SaveAsync("alpha", "a", Ct);

        Assert.Equal(["alpha", "alpha-2", "zeta"], (await drafts.ListAsync(Ct)).Select(d => d.Name));
        Assert.True(await drafts.DeleteAsync("alpha", Ct));
        Assert.False(await drafts.DeleteAsync("alpha", Ct));
        Assert.Null(await drafts.GetAsync("alpha", Ct));
        Assert.Equal(["alpha-2", "zeta"], (await drafts.ListAsync(Ct)).Select(d => d.Name));
    }

    [Fact]
    public async Task A_draft_is_not_a_published_version()
    {
        var stores = await OpenAsync();

        await stores.Drafts.SaveAsync("email-subjects", "name: email-subjects\n", Ct);

        Assert.Null(await stores.Definitions.GetAsync("email-subjects", null, Ct));
        Assert.Empty(await stores.Definitions.ListNamesAsync(Ct));
    }

    [Fact]
    public async Task A_draft_under_an_invalid_name_is_refused()
    {
        var drafts = (await OpenAsync()).Drafts;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => drafts.SaveAsync("Email Subjects", "x", Ct));

        Assert.Contains("'Email Subjects' is not a pipeline name", error.Message, StringComparison.Ordinal);
        Assert.Empty(await drafts.ListAsync(Ct));
    }
}

public sealed class SqliteDraftStoreTests() : DraftStoreContract(new SqliteTarget());

public sealed class PostgresDraftStoreTests() : DraftStoreContract(new PostgresTarget());
