using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests;

/// <summary>Runs a pipeline to its end on a real engine (a SQLite file), as <c>pipelines run</c> does.</summary>
internal static class PipelineRuns
{
    /// <summary>Publishes <paramref name="yaml"/> (it must be valid), runs it, and returns how it ended with its steps in order.</summary>
    public static async Task<(RunStatus Status, IReadOnlyList<StepRow> Steps)> RunAsync(RunEngine engine, string yaml, bool noCache = false, int seconds = 120)
    {
        var loaded = PipelineLoader.Load("pipeline.yaml", yaml, engine.Catalog);
        Assert.True(loaded.Succeeded, string.Join('\n', loaded.Diagnostics));
        var version = (await engine.Definitions.PublishAsync(loaded.Pipeline!.Name, yaml, CancellationToken.None)).Version;
        var id = await engine.CreateRunAsync(version, [], new RunRequest { NoCache = noCache });
        var status = await engine.ExecuteAsync(id).WaitAsync(TimeSpan.FromSeconds(seconds));
        var run = (await engine.Runs.GetRunAsync(id, CancellationToken.None))!;
        return (status, await RunReport.StepsInOrderAsync(engine.Runs, engine.Definitions, run, CancellationToken.None));
    }
}
