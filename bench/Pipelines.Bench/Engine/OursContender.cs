using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Bench.Engine;

/// <summary>
/// Our durable runtime (engine/Pipelines.Engine/Runtime): the pipelines of <see cref="EngineWorkloads"/> run on a
/// SQLite store in a fresh temporary data directory, so every step transition is a durable commit.
/// </summary>
/// <param name="sharedStore">Makes a fresh PostgreSQL database per measurement: the same runtime on the shared store.</param>
public sealed class OursContender(Func<Task<string>>? sharedStore = null) : IEngineContender
{
    // Built once: describing activities reflects over attributes, and the dynamic methods that leaves behind are
    // finalized later, on a thread that would otherwise compete with whichever contender is being measured then.
    private static readonly Pipelines.Activities.ActivityCatalog Catalog = BuiltInActivities.CreateCatalog();

    public string Name => sharedStore is null ? "ours" : "ours-pg";

    public Task<ContenderResult> RunChainAsync(int steps, CancellationToken ct) => RunChainsAsync(steps, runs: 1, ct);

    /// <summary><paramref name="runs"/> runs of a chain at once: with short chains, what a run costs beyond its steps.</summary>
    public Task<ContenderResult> RunChainsAsync(int steps, int runs, CancellationToken ct) =>
        RunAsync(EngineWorkloads.ChainYaml(steps), runs, stepsPerRun: steps, ct);

    public Task<ContenderResult> RunDiamondsAsync(int runs, CancellationToken ct) =>
        RunAsync(EngineWorkloads.DiamondYaml(), runs, EngineWorkloads.DiamondSteps, ct);

    /// <summary>
    /// Publishes the pipeline into a fresh data directory and opens the runtime before the clock; then creates and
    /// executes <paramref name="runs"/> runs at once and stops the clock when the last has succeeded. Latency per step
    /// is from its first claim to its success, as stored (millisecond resolution).
    /// </summary>
    private async Task<ContenderResult> RunAsync(string yaml, int runs, int stepsPerRun, CancellationToken ct)
    {
        var directory = Path.Combine(Path.GetTempPath(), "pipelines-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var catalog = Catalog;
            var pipeline = PipelineLoader.Load("bench.yaml", yaml, catalog).Pipeline ?? throw new InvalidOperationException("the workload does not validate");
            // No-op steps hold a slot for microseconds: 64 slots keep the writer fed (2 slots, one per core, queue every step).
            var options = new RuntimeOptions
            {
                MaxParallel = int.TryParse(Environment.GetEnvironmentVariable("BENCH_MAX_PARALLEL"), out var slots) ? slots : 64,
                SharedStore = sharedStore is null ? null : await sharedStore(),
            };
            await using var engine = await RunEngine.OpenAsync(directory, catalog, options, ct: ct);
            var version = (await engine.PublishAsync(pipeline, ct)).Version;

            // Nobody subscribes to live events while the clock runs (Workflow Core's lifecycle events are off too);
            // latencies come from the stored timestamps afterwards: first claim to success, millisecond resolution.
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var ids = await Task.WhenAll(Enumerable.Range(0, runs).Select(async _ =>
            {
                var id = await engine.CreateRunAsync(version, new JsonObject(), new RunRequest { Trigger = "bench" }, ct);
                return (Id: id, Status: await engine.ExecuteAsync(id, ct));
            }));
            clock.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

            var latencies = new List<double>();
            long succeeded = 0;
            foreach (var step in await StoredStepsAsync(engine, ids.Select(r => r.Id), ct))
            {
                if (step.Status != "succeeded") continue;
                succeeded++;
                latencies.Add((step.FinishedAt - step.StartedAt) ?? 0);
            }

            if (ids.Any(r => r.Status != RunStatus.Succeeded) || succeeded != (long)runs * stepsPerRun)
            {
                throw new InvalidOperationException($"expected {runs * stepsPerRun} succeeded steps, saw {succeeded}; statuses: {string.Join(",", ids.Select(r => r.Status).Distinct())}");
            }

            return new ContenderResult(succeeded, clock.Elapsed, latencies, cpu);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Every step the runs stored: on SQLite one query over the whole (fresh) store, so the check costs little next to
    /// the measurement it follows; on PostgreSQL the store's reads, run by run.
    /// </summary>
    private static async Task<List<StepRow>> StoredStepsAsync(RunEngine engine, IEnumerable<string> runIds, CancellationToken ct)
    {
        var steps = new List<StepRow>();
        if (engine.IsShared)
        {
            foreach (var id in runIds) steps.AddRange(await engine.Runs.GetStepsAsync(id, ct));
            return steps;
        }

        await using var connection = await engine.Database.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_id, steps FROM step_chunks";
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) steps.AddRange(StepChunks.Decode(reader.GetString(0), reader.GetString(1)));
        return steps;
    }
}