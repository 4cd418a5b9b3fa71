namespace Pipelines.Cli.Tests.Crash;

/// <summary>A step never runs twice at once: a run that a live process executes cannot be taken over, a killed one at once.</summary>
public sealed class LiveOwnerTests
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: long-nap }
        steps:
          nap:
            uses: core.sleep@1
            with: { seconds: 6 }
          after:
            uses: core.echo@1
            needs: [nap]
            with: { message: done }
        """;

    [Fact]
    public async Task A_run_executed_by_a_live_process_is_not_resumed_elsewhere_until_that_process_dies()
    {
        using var workspace = new Workspace();
        var file = workspace.Write("nap.yaml", Pipeline);
        using var owner = CliProcess.Start("run", file, "--data-dir", workspace.DataDirectory, "--no-cache");
        var id = await owner.RunIdAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await StoreSnapshot.ReadAsync(workspace.DataDirectory, id)).Steps["nap"].Status != "running")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the nap never started:\n{owner.Output}");
            await Task.Delay(20);
        }

        using (var rival = CliProcess.Start("runs", "resume", id, "--data-dir", workspace.DataDirectory))
        {
            var exit = await rival.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(exit != 0, $"a second process resumed a run that a live process executes:\n{rival.Output}");
            Assert.Contains("another live process", rival.Output, StringComparison.Ordinal);
        }

        Assert.True(await owner.KillAfterAsync(TimeSpan.Zero), "the owner finished before it could be killed");
        using var successor = CliProcess.Start("runs", "resume", id, "--data-dir", workspace.DataDirectory);
        Assert.True(await successor.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, successor.Output);
        var final = await StoreSnapshot.ReadAsync(workspace.DataDirectory, id);
        Assert.Equal("succeeded", final.Run.Status);
        Assert.Equal(2, final.Steps["nap"].Attempts);
        Assert.Equal(["done"], final.LogsOf("after"));
    }
}
