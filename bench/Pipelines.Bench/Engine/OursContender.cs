namespace Pipelines.Bench.Engine;

/// <summary>
/// Our durable runtime (engine/Pipelines.Engine/Runtime): the pipelines of <see cref="EngineWorkloads"/> run on a
/// SQLite store in a fresh temporary data directory, so every step transition is a durable commit.
/// </summary>
public sealed class OursContender : IEngineContender
{
    public string Name => "ours";

    public Task<ContenderResult> RunChainAsync(int steps, CancellationToken ct) =>
        RunAsync(EngineWorkloads.ChainYaml(steps), runs: 1, stepsPerRun: steps, ct);

    public Task<ContenderResult> RunDiamondsAsync(int runs, CancellationToken ct) =>
        RunAsync(EngineWorkloads.DiamondYaml(), runs, EngineWorkloads.DiamondSteps, ct);

    // ---------------------------------------------------------------------------------------------------------------
    // TO BE WIRED BY THE RUNTIME'S AUTHOR. Contract:
    //  - load `yaml` with PipelineLoader and BuiltInActivities.CreateCatalog(); create a store in a fresh temporary
    //    data directory (SqliteDatabase.OpenAsync) and the runtime over it; all of that before the clock;
    //  - start the clock, start `runs` runs of the pipeline at once, stop it when the last one has succeeded;
    //  - Steps = step executions that succeeded (check it equals runs * stepsPerRun), Elapsed = that wall time,
    //    StepLatenciesMs = per step, ready → succeeded in milliseconds (the summary line prints their p50);
    //  - tear down (stop the runtime, SqliteConnection.ClearAllPools(), delete the directory) after the clock.
    // Until then it throws NotImplementedException, and the benchmark prints Workflow Core and the floor and exits 3.
    // ---------------------------------------------------------------------------------------------------------------
    private static Task<ContenderResult> RunAsync(string yaml, int runs, int stepsPerRun, CancellationToken ct)
    {
        throw new NotImplementedException("wired when the runtime lands");
    }
}
