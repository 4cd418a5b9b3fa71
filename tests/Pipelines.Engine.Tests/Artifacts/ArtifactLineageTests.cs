using Pipelines.Artifacts;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;

namespace Pipelines.Engine.Tests.Artifacts;

public sealed class ArtifactLineageTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 30, 0, 123, TimeSpan.Zero);

    private readonly TemporaryDataDirectory _directory = new();
    private readonly CancellationToken _ct = CancellationToken.None;
    private SqliteDatabase? _database;

    public void Dispose() => _directory.Dispose();

    private async Task<ArtifactStore> OpenStoreAsync()
    {
        _database = await SqliteDatabase.OpenAsync(_directory.Path, _ct);
        return new ArtifactStore(_database, _directory.Path, new SteppedTimeProvider(Start));
    }

    [Fact]
    public async Task Producer_and_consumers_round_trip()
    {
        var store = await OpenStoreAsync();
        var dataset = await store.PutTextAsync("prompt,completion\n", "dataset", _ct);

        await store.RecordProducerAsync(dataset, "run-1", "curate", _ct);
        await store.RecordConsumerAsync(dataset, "run-1", "sweep[1]", _ct);
        await store.RecordConsumerAsync(dataset, "run-1", "sweep[0]", _ct);
        await store.RecordConsumerAsync(dataset, "run-0", "evaluate", _ct);
        await store.RecordConsumerAsync(dataset, "run-1", "sweep[0]", _ct);

        var lineage = await store.GetLineageAsync(dataset, _ct);
        Assert.NotNull(lineage);
        Assert.Equal(dataset, lineage.Reference);
        Assert.Equal("dataset", lineage.Kind);
        Assert.Equal(18, lineage.Size);
        Assert.False(lineage.IsDirectory);
        Assert.Equal(Start, lineage.CreatedAt);
        Assert.Equal(new RunStep("run-1", "curate"), lineage.Producer);
        Assert.Equal([new("run-0", "evaluate"), new("run-1", "sweep[0]"), new("run-1", "sweep[1]")], lineage.Consumers);
        Assert.Equal(new RunStep("run-1", "curate"), (await store.GetAsync(dataset, _ct))?.Producer);
    }

    [Fact]
    public async Task The_first_producer_stays_when_the_same_content_is_produced_again()
    {
        var store = await OpenStoreAsync();
        var adapter = await store.PutTextAsync("weights", "adapter", _ct);
        await store.RecordProducerAsync(adapter, "run-1", "train", _ct);

        await store.PutTextAsync("weights", "adapter", _ct);
        await store.RecordProducerAsync(adapter, "run-2", "train", _ct);

        Assert.Equal(new RunStep("run-1", "train"), (await store.GetLineageAsync(adapter, _ct))?.Producer);
    }

    [Fact]
    public async Task An_artifact_with_no_lineage_has_no_producer_and_no_consumers()
    {
        var store = await OpenStoreAsync();
        var report = await store.PutTextAsync("{}", "report", _ct);

        var lineage = await store.GetLineageAsync(report, _ct);

        Assert.Null(lineage?.Producer);
        Assert.Empty(lineage?.Consumers ?? [new RunStep("x", "y")]);
    }

    [Fact]
    public async Task Lineage_of_an_artifact_the_store_never_recorded_is_refused()
    {
        var store = await OpenStoreAsync();
        var unknown = new ArtifactReference(new string('b', 64));

        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => store.RecordProducerAsync(unknown, "run-1", "train", _ct));
        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => store.RecordConsumerAsync(unknown, "run-1", "evaluate", _ct));
        Assert.Null(await store.GetLineageAsync(unknown, _ct));
    }

    [Fact]
    public async Task Lineage_recorded_in_a_transaction_that_rolls_back_is_not_kept()
    {
        var store = await OpenStoreAsync();
        var model = await store.PutTextAsync("model", "model", _ct);

        await using (var connection = await _database!.OpenConnectionAsync(_ct))
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            await ArtifactStore.RecordProducerAsync(connection, transaction, model, "run-1", "quantize", _ct);
            await ArtifactStore.RecordConsumerAsync(connection, transaction, model, "run-1", "promote", _ct);
            await transaction.RollbackAsync(_ct);
        }
        var afterRollback = await store.GetLineageAsync(model, _ct);

        await using (var connection = await _database.OpenConnectionAsync(_ct))
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            await ArtifactStore.RecordProducerAsync(connection, transaction, model, "run-2", "quantize", _ct);
            await ArtifactStore.RecordConsumerAsync(connection, transaction, model, "run-2", "promote", _ct);
            await transaction.CommitAsync(_ct);
        }
        var afterCommit = await store.GetLineageAsync(model, _ct);

        Assert.Null(afterRollback?.Producer);
        Assert.Empty(afterRollback?.Consumers ?? [new RunStep("x", "y")]);
        Assert.Equal(new RunStep("run-2", "quantize"), afterCommit?.Producer);
        Assert.Equal([new RunStep("run-2", "promote")], afterCommit?.Consumers);
    }
}
