using System.Diagnostics;
using System.Globalization;
using Pipelines.Bench.Engine;

namespace Pipelines.Bench;

/// <summary>
/// Our durable runtime against Workflow Core 3.22.0 (in-memory, so it never waits on a disk) on the same two
/// workloads in the same process: (a) one 1,000-step chain of no-op steps, (b) 1,000 runs of a 10-step diamond
/// started together; plus the floor, durable SQLite commits per second with our store's settings.
/// <c>engine tune</c> sweeps Workflow Core's options instead (how <see cref="WorkflowCoreSettings.Fastest"/> was chosen).
/// </summary>
public static class EngineBenchmark
{
    internal const int ChainSteps = 1_000;
    internal const int DiamondRuns = 1_000;
    private const int Rounds = 5;
    private static readonly TimeSpan FloorDuration = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(3);

    public static int Run(string[] args) => RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        if (args is ["tune", ..]) return await WorkflowCoreTuning.RunAsync(ct);
        if (args is ["ours", ..]) return await OursAloneAsync(args, ct);

        var theirs = new WorkflowCoreContender();
        var ours = new OursContender();
        var contenders = new List<IEngineContender> { theirs };
        // --postgres: the same runtime on the shared store as a third contender (a private durable cluster).
        using var postgres = args.Contains("--postgres") ? Pipelines.Tests.TestPostgres.PrivateServer.Start(durable: true) : null;
        var oursShared = postgres is null ? null : new OursContender(() => Pipelines.Tests.TestPostgres.CreateDatabaseAsync(postgres.ConnectionString, "engine"));
        string? oursMissing = null;
        try
        {
            await WarmUpAsync(ours, ct);
            contenders.Add(ours);
        }
        catch (NotImplementedException e)
        {
            oursMissing = e.Message;
        }

        await WarmUpAsync(theirs, ct);
        if (oursShared is not null)
        {
            await WarmUpAsync(oursShared, ct);
            contenders.Add(oursShared);
        }

        // Interleave the rounds so that machine noise hits every contender alike.
        var figures = contenders.ToDictionary(c => c, _ => new Figures());
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var contender in contenders)
            {
                figures[contender].Chain.Add(await contender.RunChainAsync(ChainSteps, ct));
                figures[contender].Diamonds.Add(await contender.RunDiamondsAsync(DiamondRuns, ct));
            }
        }

        var floor = await SqliteFloor.CommitsPerSecondAsync(FloorDuration, ct);

        Console.WriteLine($"workloads: one {ChainSteps:N0}-step chain; {DiamondRuns:N0} runs of a {EngineWorkloads.DiamondSteps}-step diamond started together; rates are total steps over total time of {Rounds} interleaved rounds");
        Console.WriteLine($"workflowcore settings: {theirs.Settings}");
        Console.WriteLine($"{"contender",-14} {"chain steps/s",14} {"diamonds steps/s",17} {"combined steps/s",17} {"cpu µs/step",12} {"p50 step ms",12}");
        foreach (var (contender, figure) in figures)
        {
            Console.WriteLine($"{contender.Name,-14} {figure.ChainRate,14:N0} {figure.DiamondRate,17:N0} {figure.CombinedRate,17:N0} {figure.CpuMicrosecondsPerStep,12:F1} {Format(figure.P50LatencyMs),12}");
        }

        Console.WriteLine($"sqlite floor: {floor:N0} durable commits/s (WAL, synchronous=FULL, one INSERT per transaction)");
        if (oursMissing is not null)
        {
            Console.Error.WriteLine($"engine: ours not measured ({oursMissing}); the Workflow Core figures and the floor above stand");
            return 3;
        }

        var theirsFigures = figures[theirs];
        var oursFigures = figures[ours];
        if (oursShared is not null)
        {
            var shared = figures[oursShared];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"engine-pg ours-pg={shared.CombinedRate:F0} ours-sqlite={oursFigures.CombinedRate:F0} workflowcore={theirsFigures.CombinedRate:F0} pg/sqlite={shared.CombinedRate / oursFigures.CombinedRate:F2} pg/workflowcore={shared.CombinedRate / theirsFigures.CombinedRate:F2}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine ours={oursFigures.CombinedRate:F0} workflowcore={theirsFigures.CombinedRate:F0} ratio={oursFigures.CombinedRate / theirsFigures.CombinedRate:F2} floor={floor:F0} p50_step_latency_ms={Format(oursFigures.P50LatencyMs)}"));
        return 0;
    }

    /// <summary>
    /// <c>engine ours [rounds] [diamonds | chain [steps] [runs]] [--allocations]</c>: our runtime alone, round after round,
    /// for a profiler (perf, dotnet-trace) to see only our code; prints each round's rate, processor time and allocations
    /// per step (setup and check included) and the JIT's running totals (tiering goes on for many rounds on 2 cores);
    /// <c>--allocations</c> adds the types allocated most in the second half of the rounds.
    /// </summary>
    private static async Task<int> OursAloneAsync(string[] args, CancellationToken ct)
    {
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var rounds = positional.Length > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 5;
        var chain = positional.Length > 2 && positional[2] == "chain";
        var steps = positional.Length > 3 ? int.Parse(positional[3], CultureInfo.InvariantCulture) : ChainSteps;
        var runs = positional.Length > 4 ? int.Parse(positional[4], CultureInfo.InvariantCulture) : 1;
        var alone = new OursContender();
        using var sampler = args.Contains("--allocations") ? new AllocationSampler() : null;
        for (var round = 0; round < rounds; round++)
        {
            if (sampler is not null) sampler.Sampling = round >= rounds / 2; // the second half: warmed up
            var allocated = GC.GetTotalAllocatedBytes();
            var result = chain ? await alone.RunChainsAsync(steps, runs, ct) : await alone.RunDiamondsAsync(DiamondRuns, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(chain ? "chain" : "diamonds")} {result.StepsPerSecond:N0} steps/s, {result.CpuTime.TotalMicroseconds / result.Steps:F1} µs cpu/step, {(GC.GetTotalAllocatedBytes() - allocated) / result.Steps:N0} bytes allocated per step, jit: {System.Runtime.JitInfo.GetCompiledMethodCount():N0} methods in {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:N0} ms"));
        }

        foreach (var line in sampler?.Top(30) ?? []) Console.WriteLine(line);

        return 0;
    }

    /// <summary>
    /// A small run of each workload (fails fast if a contender is broken), then full-size rounds for at least
    /// <see cref="WarmUpTime"/>: tiered compilation takes a few seconds of steady calls to reach optimised code, and
    /// after one full-size round Workflow Core still measured at a third of its speed.
    /// </summary>
    internal static async Task WarmUpAsync(IEngineContender contender, CancellationToken ct)
    {
        await contender.RunChainAsync(20, ct);
        await contender.RunDiamondsAsync(20, ct);
        var clock = Stopwatch.StartNew();
        do
        {
            await contender.RunChainAsync(ChainSteps, ct);
            await contender.RunDiamondsAsync(DiamondRuns, ct);
        }
        while (clock.Elapsed < WarmUpTime);
    }

    private static string Format(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A contender's measurements; rates are total steps over total time.</summary>
    private sealed class Figures
    {
        public List<ContenderResult> Chain { get; } = [];

        public List<ContenderResult> Diamonds { get; } = [];

        public double ChainRate => Rate(Chain);

        public double DiamondRate => Rate(Diamonds);

        public double CombinedRate => Rate([.. Chain, .. Diamonds]);

        /// <summary>Processor time of the whole process per step, over both workloads: less at the mercy of a busy VM than wall time.</summary>
        public double CpuMicrosecondsPerStep => Chain.Concat(Diamonds).Sum(r => r.CpuTime.TotalMicroseconds) / Chain.Concat(Diamonds).Sum(r => r.Steps);

        public double? P50LatencyMs
        {
            get
            {
                var latencies = Chain.Concat(Diamonds).SelectMany(r => r.StepLatenciesMs).Order().ToArray();
                return latencies.Length == 0 ? null : latencies[latencies.Length / 2];
            }
        }

        private static double Rate(IReadOnlyList<ContenderResult> results) =>
            results.Sum(r => r.Steps) / results.Sum(r => r.Elapsed.TotalSeconds);
    }
}
