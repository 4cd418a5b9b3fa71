using Pipelines.Artifacts;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>
/// The rules of <see cref="IArtifactIndex"/>, on each store, through an <see cref="ArtifactStore"/> over it (the content
/// in a temporary data directory, the records in the store under test).
/// </summary>
public abstract class ArtifactIndexContract(StoreTarget target) : StoreContract(target)
{
    private async Task<ArtifactStore> OpenStoreAsync() => new((await OpenAsync()).Artifacts, FilesPath, Time);

    [Fact]
    public async Task Producer_and_consumers_round_trip()
    {
        var store = await OpenStoreAsync();
        var dataset = await store.PutTextAsync("prompt,completion\n", "dataset", Ct);

        await store.Index.RecordProducerAsync(dataset, "run-1", "curate", Ct);
        await store.Index.RecordConsumerAsync(dataset, "run-1", "sweep[1]", Ct);
        await store.Index.RecordConsumerAsync(dataset, "run-1", "sweep[0]", Ct);
        await store.Index.RecordConsumerAsync(dataset, "run-0", "evaluate", Ct);
        await store.Index.RecordConsumerAsync(dataset, "run-1", "sweep[0]", Ct);

        var lineage = await store.Index.GetLineageAsync(dataset, Ct);
        Assert.NotNull(lineage);
        Assert.Equal(dataset, lineage.Reference);
        Assert.Equal("dataset", lineage.Kind);
        Assert.Equal(18, lineage.Size);
        Assert.False(lineage.IsDirectory);
        Assert.Equal(Start, lineage.CreatedAt);
        Assert.Equal(new RunStep("run-1", "curate"), lineage.Producer);
        Assert.Equal([new("run-0", "evaluate"), new("run-1", "sweep[0]"), new("run-1", "sweep[1]")], lineage.Consumers);
        Assert.Equal(new RunStep("run-1", "curate"), (await store.Index.GetAsync(dataset, Ct))?.Producer);
    }

    [Fact]
    public async Task The_first_producer_stays_when_the_same_content_is_produced_again()
    {
        var store = await OpenStoreAsync();
        var adapter = await store.PutTextAsync("weights", "adapter", Ct);
        await store.Index.RecordProducerAsync(adapter, "run-1", "train", Ct);

        await store.PutTextAsync("weights", "adapter", Ct);
        await store.Index.RecordProducerAsync(adapter, "run-2", "train", Ct);

        Assert.Equal(new RunStep("run-1", "train"), (await store.Index.GetLineageAsync(adapter, Ct))?.Producer);
    }

    [Fact]
    public async Task An_artifact_with_no_lineage_has_no_producer_and_no_consumers()
    {
        var store = await OpenStoreAsync();
        var report = await store.PutTextAsync("{}", "report", Ct);

        var lineage = await store.Index.GetLineageAsync(report, Ct);

        Assert.Null(lineage?.Producer);
        Assert.Empty(lineage?.Consumers ?? [new RunStep("x", "y")]);
    }

    [Fact]
    public async Task Lineage_of_an_artifact_the_store_never_recorded_is_refused()
    {
        var store = await OpenStoreAsync();
        var unknown = new ArtifactReference(new string('b', 64));

        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => store.Index.RecordProducerAsync(unknown, "run-1", "train", Ct));
        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => store.Index.RecordConsumerAsync(unknown, "run-1", "evaluate", Ct));
        Assert.Null(await store.Index.GetLineageAsync(unknown, Ct));
    }

    [Fact]
    public async Task A_record_keeps_the_first_kind_and_time_when_the_same_content_is_stored_again()
    {
        var store = await OpenStoreAsync();
        var first = await store.PutTextAsync("{}", "report", Ct);
        Time.Advance(TimeSpan.FromMinutes(3));

        await store.PutTextAsync("{}", "dataset", Ct);

        Assert.Equal(new ArtifactMetadata(first, "report", 2, false, Start, null), await store.Index.GetAsync(first, Ct));
    }

    [Fact]
    public async Task Folders_are_recorded_as_folders()
    {
        var store = await OpenStoreAsync();
        var folder = Path.Join(FilesPath, "adapter");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Join(folder, "adapter_config.json"), "{}", Ct);

        var adapter = await store.PutDirectoryAsync(folder, "adapter", Ct);

        Assert.True((await store.Index.GetAsync(adapter, Ct))?.IsDirectory);
    }

    [Fact]
    public async Task Hosts_recording_the_same_lineage_at_once_keep_one_producer_and_each_consumer_once()
    {
        var store = await OpenStoreAsync();
        var dataset = await store.PutTextAsync("rows", "dataset", Ct);
        var hosts = new List<IArtifactIndex>();
        for (var i = 0; i < 4; i++) hosts.Add((await OpenAsync()).Artifacts);

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            await hosts[i % 4].RecordProducerAsync(dataset, $"run-{i}", "curate", Ct);
            await hosts[i % 4].RecordConsumerAsync(dataset, "run-x", $"step{i % 2}", Ct);
        })));

        var lineage = (await store.Index.GetLineageAsync(dataset, Ct))!;
        Assert.Equal("curate", lineage.Producer?.StepId);
        Assert.Equal([new RunStep("run-x", "step0"), new RunStep("run-x", "step1")], lineage.Consumers);
    }
}

public sealed class SqliteArtifactIndexTests() : ArtifactIndexContract(new SqliteTarget());

public sealed class PostgresArtifactIndexTests() : ArtifactIndexContract(new PostgresTarget());
