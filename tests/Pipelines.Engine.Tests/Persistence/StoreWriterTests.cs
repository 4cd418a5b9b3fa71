using Pipelines.Persistence;

namespace Pipelines.Engine.Tests.Persistence;

public sealed class StoreWriterTests : IDisposable
{
    private readonly TemporaryDataDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Rows_read_back_as_written_text_empty_null_and_unicode_alike()
    {
        var database = await SqliteDatabase.OpenAsync(_directory.Path, CancellationToken.None);
        var store = new SqliteRunStore(database);
        var run = new RunRow("r1", "p", 1, "running", "{\"name\":\"Zoë ✓\"}", "manual", false, null, 1, 2, null, Error: "", false, "me", 99);
        // NULLs after values and values after NULLs in one statement: bindings outlive a reset, so each row must bind its own.
        StepRow[] steps =
        [
            new("r1", "a", null, null, "succeeded", 1, 0, false, 2, 3, null, null, "{}", "{\"x\":\"é\"}", null, null),
            new("r1", "b", null, null, "failed", 2, 2, false, 2, 4, 7, "me", "{}", null, "", "k", "review", "{\"decisions\":[1,\"ü\"]}"),
            new("r1", "c", null, null, "running", 1, 0, true, 5, null, null, null, null, null, null, null),
        ];
        await using (var writer = new StoreWriter(database, "me"))
        {
            var batch = new StoreBatch();
            batch.Runs.Add(run);
            batch.Chunks.Add(new StepChunkRow("r1", 0, StepChunks.Encode(steps)));
            await writer.CommitAsync(batch);
        }

        Assert.Equal(run, await store.GetRunAsync("r1", CancellationToken.None));
        Assert.Equal(steps, await store.GetStepsAsync("r1", CancellationToken.None)); // in stored order
    }
}
