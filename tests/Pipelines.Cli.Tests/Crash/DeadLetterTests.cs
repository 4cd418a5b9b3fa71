namespace Pipelines.Cli.Tests.Crash;

/// <summary>
/// A step whose attempts keep killing their process (an out-of-memory kill looks like this SIGKILL) is failed after a
/// few lost attempts, as a queue dead-letters a poison message, instead of taking down every process that resumes it.
/// </summary>
public sealed class DeadLetterTests
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: killer }
        steps:
          warm_up:
            uses: core.echo@1
            with: { message: fine }
          killer:
            uses: core.sleep@1
            needs: [warm_up]
            with: { seconds: 60 }
          after:
            uses: core.echo@1
            needs: [killer]
            with: { message: never }
        """;

    [Fact]
    public async Task A_step_whose_process_dies_three_times_in_a_row_is_failed_as_a_dead_letter_with_every_attempt_counted()
    {
        using var workspace = new Workspace();
        var file = workspace.Write("killer.yaml", Pipeline);
        string? id = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            using var process = id is null
                ? CliProcess.Start("run", file, "--data-dir", workspace.DataDirectory, "--no-cache")
                : CliProcess.Start("runs", "resume", id, "--data-dir", workspace.DataDirectory);
            id = await process.RunIdAsync();
            await UntilRunningAsync(workspace, id, attempt, process);
            Assert.True(await process.KillAfterAsync(TimeSpan.Zero), "the step finished before its process could be killed");
        }

        using var last = CliProcess.Start("runs", "resume", id!, "--data-dir", workspace.DataDirectory);
        var exit = await last.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 1, $"expected the run to fail (exit 1), got {exit}:\n{last.Output}");
        var final = await StoreSnapshot.ReadAsync(workspace.DataDirectory, id!);
        Assert.Equal("failed", final.Run.Status);
        Assert.Equal("failed", final.Steps["killer"].Status);
        Assert.Equal(3, final.Steps["killer"].Attempts); // every lost attempt is counted, none hidden
        Assert.Contains("died 3 times in a row", final.Steps["killer"].Error, StringComparison.Ordinal);
        Assert.Contains("dead letter", final.Steps["killer"].Error, StringComparison.Ordinal);
        Assert.Equal("skipped", final.Steps["after"].Status);
        Assert.Equal("succeeded", final.Steps["warm_up"].Status);
        Assert.Contains("dead letter", last.Output, StringComparison.Ordinal);
    }

    private static async Task UntilRunningAsync(Workspace workspace, string id, int attempt, CliProcess process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await StoreSnapshot.ReadAsync(workspace.DataDirectory, id)).Steps["killer"] is not { Status: "running" } step || step.Attempts != attempt)
        {
            Assert.True(DateTime.UtcNow < deadline, $"attempt {attempt} of the step never started:\n{process.Output}");
            await Task.Delay(20);
        }
    }
}
