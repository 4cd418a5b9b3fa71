using Pipelines.Artifacts;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;

namespace Pipelines.Engine.Tests.Artifacts;

/// <summary>The run store's writer records lineage inside its own transactions (the index's rules: <c>Stores/ArtifactIndexContract</c>).</summary>
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
        return new ArtifactStore(new SqlArtifactIndex(new SqliteDialect(_database), new SteppedTimeProvider(Start)), _directory.Path);
    }

    [Fact]
    public async Task Lineage_recorded_in_a_transaction_that_rolls_back_is_not_kept()
    {
        var store = await OpenStoreAsync();
        var model = await store.PutTextAsync("model", "model", _ct);

        await using (var connection = await _database!.OpenConnectionAsync(_ct))
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            await connection.ExecuteAsync(ArtifactStore.RecordProducerSql, _ct, ("$digest", model.Digest), ("$run_id", "run-1"), ("$step_id", "quantize"));
            await connection.ExecuteAsync(ArtifactStore.RecordConsumerSql, _ct, ("$digest", model.Digest), ("$run_id", "run-1"), ("$step_id", "promote"));
            await transaction.RollbackAsync(_ct);
        }
        var afterRollback = await store.Index.GetLineageAsync(model, _ct);

        await using (var connection = await _database.OpenConnectionAsync(_ct))
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            await connection.ExecuteAsync(ArtifactStore.RecordProducerSql, _ct, ("$digest", model.Digest), ("$run_id", "run-2"), ("$step_id", "quantize"));
            await connection.ExecuteAsync(ArtifactStore.RecordConsumerSql, _ct, ("$digest", model.Digest), ("$run_id", "run-2"), ("$step_id", "promote"));
            await transaction.CommitAsync(_ct);
        }
        var afterCommit = await store.Index.GetLineageAsync(model, _ct);

        Assert.Null(afterRollback?.Producer);
        Assert.Empty(afterRollback?.Consumers ?? [new RunStep("x", "y")]);
        Assert.Equal(new RunStep("run-2", "quantize"), afterCommit?.Producer);
        Assert.Equal([new RunStep("run-2", "promote")], afterCommit?.Consumers);
    }
}
