using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Runtime;

namespace Pipelines.Bench;

/// <summary>
/// Scale-out on one PostgreSQL (a private cluster with PostgreSQL's durable defaults): 2,000 I/O-bound steps
/// (<c>core.sleep</c> of 50 ms; 20 runs of 100 independent steps started together) executed by 1, 2 and 4
/// <c>pipelines worker</c> processes of 4 slots each, coordinated by this process (a host that runs no steps, as
/// <c>serve --no-worker</c>). Throughput is steps over the time from the first run created to the last succeeded;
/// claim latency is from a ticket queued to a worker's claim, from the record of every claim. Rounds alternate the
/// worker counts (1, 2, 4, 4, 2, 1) so that machine noise falls on each alike; medians are reported.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/Pipelines.Bench -- scale [--steps 2000] [--sleep 0.05] [--slots 4] [--rounds 2] [--no-fsync]</c>
/// (needs the CLI built: <c>dotnet build -c Release</c>).
/// </remarks>
public static class ScaleBenchmark
{
    private static readonly ActivityCatalog Catalog = BuiltInActivities.CreateCatalog();

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        var steps = Option(args, "--steps", 2_000);
        var sleep = Option(args, "--sleep", 0.05);
        var slots = Option(args, "--slots", 4);
        var rounds = Option(args, "--rounds", 2);
        const int runs = 20;
        if (steps % runs != 0) throw new ArgumentException($"--steps must be a multiple of {runs}");
        var cli = Path.Combine(BenchMachine.Checkout(), "engine", "Pipelines.Cli", "bin", "Release", "net10.0", "pipelines.dll");
        if (!File.Exists(cli)) throw new InvalidOperationException($"no CLI at {cli}: run `dotnet build -c Release` first");

        var durable = !args.Contains("--no-fsync");
        using var postgres = Pipelines.Tests.TestPostgres.PrivateServer.Start(durable);
        var folder = Directory.CreateTempSubdirectory("pipelines-scale-").FullName;
        try
        {
            var counts = new[] { 1, 2, 4 };
            var order = Enumerable.Range(0, rounds).SelectMany(r => r % 2 == 0 ? counts : counts.Reverse()).ToList();
            var results = counts.ToDictionary(n => n, _ => new List<Measured>());
            var yaml = Pipeline(steps / runs, sleep);
            foreach (var workers in order)
            {
                var measured = await MeasureAsync(await Pipelines.Tests.TestPostgres.CreateDatabaseAsync(postgres.ConnectionString, "scale"), cli, yaml, workers, slots, runs, steps, folder);
                results[workers].Add(measured);
                Console.WriteLine($"  {workers} worker(s): {measured.Elapsed.TotalSeconds:0.00} s, {steps / measured.Elapsed.TotalSeconds:0} steps/s, "
                                  + $"queue wait p50 {measured.WaitP50:0} ms p99 {measured.WaitP99:0} ms");
            }

            var baseline = Median(results[1].Select(m => m.Elapsed.TotalSeconds));
            Console.WriteLine($"{steps:N0} steps of core.sleep {sleep * 1000:0} ms ({runs} runs of {steps / runs} independent steps), {slots} slots per worker, PostgreSQL {(durable ? "durable" : "without fsync")}; medians of {rounds}");
            Console.WriteLine($"{"workers",8} {"seconds",8} {"steps/s",8} {"× 1 worker",11} {"ideal s",8} {"wait p50 ms",12} {"wait p99 ms",12}");
            var summary = new StringBuilder("scale:");
            foreach (var n in counts)
            {
                var seconds = Median(results[n].Select(m => m.Elapsed.TotalSeconds));
                var ideal = steps * sleep / (n * slots);
                Console.WriteLine($"{n,8} {seconds,8:0.00} {steps / seconds,8:0} {baseline / seconds,11:0.00} {ideal,8:0.00} "
                                  + $"{Median(results[n].Select(m => m.WaitP50)),12:0} {Median(results[n].Select(m => m.WaitP99)),12:0}");
                summary.Append(CultureInfo.InvariantCulture, $" {n}w {steps / seconds:0} steps/s ({baseline / seconds:0.00}x)");
            }

            var (p50, p99) = await ClaimLatencyAsync(await Pipelines.Tests.TestPostgres.CreateDatabaseAsync(postgres.ConnectionString, "scale"), claimers: 4, tickets: steps);
            Console.WriteLine($"claim latency, 4 claimers contending for {steps:N0} queued tickets: p50 {p50:0.00} ms, p99 {p99:0.00} ms (one ClaimAsync: the FOR UPDATE SKIP LOCKED claim and its record)");
            summary.Append(CultureInfo.InvariantCulture, $"; claim p50 {p50:0.00} ms p99 {p99:0.00} ms");
            Console.WriteLine(summary);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A measured configuration; the wait is a ticket's time in the queue, from queued to claimed (mostly waiting for a free slot).</summary>
    private sealed record Measured(TimeSpan Elapsed, double WaitP50, double WaitP99);

    private static async Task<Measured> MeasureAsync(string store, string cli, string yaml, int count, int slots, int runs, int steps, string folder)
    {
        var data = Directory.CreateDirectory(Path.Combine(folder, Guid.NewGuid().ToString("N"))).FullName;
        // This process coordinates (runs no steps); the workers claim every step.
        await using var coordinator = await RunEngine.OpenAsync(data, Catalog, new RuntimeOptions { SharedStore = store, ExecutesSteps = false, MaxDispatched = steps });
        var version = (await coordinator.PublishAsync(PipelineLoader.Load("scale.yaml", yaml, Catalog).Pipeline!)).Version;
        var workers = Enumerable.Range(0, count).Select(_ => Worker.Start(cli, store, data, slots)).ToList();
        try
        {
            foreach (var worker in workers) await worker.Ready.WaitAsync(TimeSpan.FromMinutes(1));
            // Long-lived workers are warm: one run first, off the clock, so that every process has compiled its paths.
            if (await coordinator.ExecuteAsync(await coordinator.CreateRunAsync(version, new JsonObject())) != RunStatus.Succeeded)
            {
                throw new InvalidOperationException("the warm-up run did not succeed");
            }

            var coordinatorCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var workersCpu = workers.Sum(w => w.Cpu.TotalSeconds);
            var clock = Stopwatch.StartNew();
            var statuses = await Task.WhenAll(Enumerable.Range(0, runs).Select(async _ =>
                await coordinator.ExecuteAsync(await coordinator.CreateRunAsync(version, new JsonObject()))));
            clock.Stop();
            Console.WriteLine($"    cpu: coordinator {(Process.GetCurrentProcess().TotalProcessorTime - coordinatorCpu).TotalSeconds:0.0} s, workers {workers.Sum(w => w.Cpu.TotalSeconds) - workersCpu:0.0} s, over {clock.Elapsed.TotalSeconds:0.0} s on {Environment.ProcessorCount} cores");
            if (statuses.Any(s => s != RunStatus.Succeeded)) throw new InvalidOperationException($"runs ended {string.Join(", ", statuses.Distinct())}");

            var latencies = new List<double>();
            foreach (var run in await coordinator.Runs.ListRunsAsync("scale", null, runs, CancellationToken.None)) // the newest: the measured ones
            {
                latencies.AddRange((await coordinator.StepQueue!.AttemptsAsync(run.Id, CancellationToken.None)).Select(a => (double)(a.ClaimedAt - a.QueuedAt)));
            }

            latencies.Sort();
            return new Measured(clock.Elapsed, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
        }
        finally
        {
            foreach (var worker in workers) worker.Stop();
        }
    }

    /// <summary>
    /// <paramref name="claimers"/> loops on one queue of <paramref name="tickets"/> tickets, each claiming (timed) and
    /// finishing (not timed) until the queue is empty: how long a claim takes while others contend for the same rows.
    /// </summary>
    private static async Task<(double P50, double P99)> ClaimLatencyAsync(string store, int claimers, int tickets)
    {
        await using var shared = await Persistence.Postgres.PostgresStore.OpenAsync(store);
        var queue = new Persistence.Postgres.PostgresStepQueue(shared.DataSource);
        for (var i = 0; i < tickets; i++)
        {
            await queue.EnqueueAsync(new Runtime.Stores.StepTicket(new Runtime.Stores.StepKey("claims", $"s{i}"), 1, null, "core.noop@1", "{}", null, false,
                null, null, i), adopt: false, CancellationToken.None);
        }

        var durations = await Task.WhenAll(Enumerable.Range(0, claimers).Select(c => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (true)
            {
                var clock = Stopwatch.StartNew();
                var claim = await queue.ClaimAsync($"claimer-{c}", [], 0, long.MaxValue, CancellationToken.None);
                clock.Stop();
                if (claim is null) return mine;
                mine.Add(clock.Elapsed.TotalMilliseconds);
                await queue.FinishAsync(claim, "{}", "succeeded", 0, CancellationToken.None);
            }
        })));
        var all = durations.SelectMany(d => d).Order().ToList();
        return (Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static string Pipeline(int steps, double sleep)
    {
        var yaml = new StringBuilder("apiVersion: pipelines/v1\nkind: Pipeline\nmetadata: { name: scale }\nsteps:\n");
        for (var i = 0; i < steps; i++) yaml.Append(CultureInfo.InvariantCulture, $"  s{i}: {{ uses: core.sleep@1, with: {{ seconds: {sleep} }} }}\n");
        return yaml.ToString();
    }

    /// <summary>A <c>pipelines worker</c> process; ready once it has said which pools it serves.</summary>
    private sealed class Worker
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Worker(Process process)
        {
            _process = process;
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("worker ", StringComparison.Ordinal) == true) _ready.TrySetResult();
            };
            _process.OutputDataReceived += (_, _) => { };
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
        }

        public Task Ready => _ready.Task;

        public TimeSpan Cpu
        {
            get
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
        }

        public static Worker Start(string cli, string store, string data, int slots)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { cli, "worker", "--store", store, "--data-dir", data, "--max-parallel", slots.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["NO_COLOR"] = "1";
            if (Environment.GetEnvironmentVariable("BENCH_WORKER_NOSPIN") == "1") start.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";
            return new Worker(Process.Start(start)!);
        }

        public void Stop()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static T Option<T>(string[] args, string name, T fallback) where T : IParsable<T>
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? T.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
