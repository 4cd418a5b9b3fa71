using System.Text.Json.Nodes;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>Step executions are stored 32 to a chunk, each once, and stay in their chunk across a wait, a restart and a resume.</summary>
public sealed class StepChunkTests
{
    // 40 matrix children, their parent, a gate and a last step: 43 executions, more than one chunk.
    private const string Wide = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: wide }
        steps:
          sweep:
            uses: core.echo@1
            matrix:
              n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                  21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40]
            with: { message: "n=${{ matrix.n }}" }
          approve:
            uses: test.approval@1
            needs: [sweep]
          after:
            uses: core.echo@1
            with: { message: "of ${{ steps.sweep.outputs.all.length }}, approved=${{ steps.approve.outputs.approved }}" }
        """;

    [Fact]
    public async Task A_wide_run_fills_chunks_in_order_and_a_resumed_run_keeps_every_execution_where_it_is_stored()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var (id, status) = await harness.RunAsync(Wide);
        Assert.Equal(RunStatus.Waiting, status);
        var waiting = await ((SqliteRunStore)harness.Engine.Runs).GetStepChunksAsync(id, CancellationToken.None);

        await harness.ReopenAsync(); // resumed through the store, then executed by a new process
        Assert.True(await harness.Engine.ResumeBookmarkAsync(id, "approve", "approval", new JsonObject { ["approved"] = true }));
        Assert.Equal(RunStatus.Succeeded, await harness.ExecuteAsync(id));

        var chunks = await ((SqliteRunStore)harness.Engine.Runs).GetStepChunksAsync(id, CancellationToken.None);
        Assert.Equal([32, 11], chunks.Select(c => c.Count));
        var ids = chunks.SelectMany(c => c).Select(s => s.StepId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(43, ids.Count);
        Assert.All(chunks.SelectMany(c => c), step => Assert.Equal("succeeded", step.Status));
        // Nothing moved: every execution stored while the run waited is in the same chunk at the same place.
        for (var chunk = 0; chunk < waiting.Count; chunk++)
        {
            Assert.Equal(waiting[chunk].Select(s => s.StepId), chunks[chunk].Take(waiting[chunk].Count).Select(s => s.StepId));
        }

        Assert.Equal("""{"message":"of 40, approved=true"}""", (await harness.StepAsync(id, "after")).Outputs);
    }

    [Fact]
    public async Task A_run_that_changes_one_step_writes_only_that_steps_chunk()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var (id, _) = await harness.RunAsync(Wide);
        var before = await ChunkTextsAsync(harness, id);

        Assert.True(await harness.Engine.ResumeBookmarkAsync(id, "approve", "approval", new JsonObject { ["approved"] = false }));

        var after = await ChunkTextsAsync(harness, id);
        Assert.Equal(before[0], after[0]); // the first 32 executions: untouched
        Assert.NotEqual(before[1], after[1]); // the gate's chunk: now ready, with the payload
        Assert.Equal("ready", (await harness.StepAsync(id, "approve")).Status);
    }

    private static async Task<List<string>> ChunkTextsAsync(RuntimeHarness harness, string runId)
    {
        await using var connection = await harness.Engine.Database.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT steps FROM step_chunks WHERE run_id = $run ORDER BY chunk";
        command.Parameters.AddWithValue("$run", runId);
        await using var reader = await command.ExecuteReaderAsync();
        var texts = new List<string>();
        while (await reader.ReadAsync()) texts.Add(reader.GetString(0));
        return texts;
    }
}
