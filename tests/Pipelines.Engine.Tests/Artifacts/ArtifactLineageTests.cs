using Pipelines.Artifacts;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Persistence.Sqlite;

namespace Pipelines.Engine.Tests.Artifacts;

/// <summary>The embedded store records lineage inside the run store's own transactions (the contract's rules: <c>Stores/ArtifactIndexContract</c>).</summary>
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
        return new ArtifactStore(new SqliteArtifactIndex(_database, new SteppedTimeProvider(Start)), _directory.Path);
    }

    [Fact]
    public async Task Lineage_recorded_in_a_transaction_that_rolls_back_is_not_kept()
    {
        var store = await OpenStoreAsync();
        var model = await store.PutTextAsync("model", "model", _ct);

        await using (var connection = await _database!.OpenConnectionAsync(_ct))
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            await SqliteArtifactIndex.RecordProducerAsync(connection, transaction, model, "run-1", "quantize", _ct);
            await SqliteArtifactIndex.RecordConsumerAsync(connection, transaction, model, "run-1", "promote", _ct);
            await transaction.RollbackAsync(_ct);
        }
        var afterRollback = await store.Index.GetLineageAsync(model, _ct);

        await using (var connection = await _database.OpenConnectionAsync(_ct))
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            await SqliteArtifactIndex.RecordProducerAsync(connection, transaction, model, "run-2", "quantize", _ct);
            await SqliteArtifactIndex.RecordConsumerAsync(connection, transaction, model, "run-2", "promote", _ct);
            await transaction.CommitAsync(_ct);
        }
        var afterCommit = await store.Index.GetLineageAsync(model, _ct);

        Assert.Null(afterRollback?.Producer);
        Assert.Empty(afterRollback?.Consumers ?? [new RunStep("x", "y")]);
        Assert.Equal(new RunStep("run-2", "quantize"), afterCommit?.Producer);
        Assert.Equal([new RunStep("run-2", "promote")], afterCommit?.Consumers);
    }
}
