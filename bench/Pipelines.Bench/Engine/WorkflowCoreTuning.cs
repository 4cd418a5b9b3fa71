namespace Pipelines.Bench.Engine;

/// <summary>
/// <c>engine tune</c>: Workflow Core's throughput over a grid of its options, fastest first, to choose
/// <see cref="WorkflowCoreSettings.Fastest"/>. Rounds are interleaved and each setting reports its median round.
/// </summary>
public static class WorkflowCoreTuning
{
    private const int Rounds = 3;

    public static async Task<int> RunAsync(CancellationToken ct)
    {
        var candidates = new List<WorkflowCoreSettings> { WorkflowCoreSettings.Defaults, WorkflowCoreSettings.Fastest };
        foreach (var concurrency in new[] { 1, 2, 4, 8, 16, 64 })
        foreach (var idle in new[] { 0, 1, 10 })
        foreach (var completion in Enum.GetValues<WorkflowCoreCompletion>())
        foreach (var indexes in new[] { true, false })
            candidates.Add(new WorkflowCoreSettings(concurrency, TimeSpan.FromMilliseconds(idle), TimeSpan.FromSeconds(10), completion, indexes));
        candidates = candidates.Distinct().ToList();

        await EngineBenchmark.WarmUpAsync(new WorkflowCoreContender(WorkflowCoreSettings.Fastest), ct);
        var rounds = candidates.ToDictionary(c => c, _ => new List<(double Chain, double Diamonds, double Combined)>());
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var settings in candidates)
            {
                var contender = new WorkflowCoreContender(settings);
                var chain = await contender.RunChainAsync(EngineBenchmark.ChainSteps, ct);
                var diamonds = await contender.RunDiamondsAsync(EngineBenchmark.DiamondRuns, ct);
                var combined = (chain.Steps + diamonds.Steps) / (chain.Elapsed + diamonds.Elapsed).TotalSeconds;
                rounds[settings].Add((chain.StepsPerSecond, diamonds.StepsPerSecond, combined));
            }
        }

        foreach (var (settings, results) in rounds.OrderByDescending(r => Median(r.Value, x => x.Combined)))
        {
            Console.WriteLine($"combined {Median(results, x => x.Combined),8:N0}  chain {Median(results, x => x.Chain),8:N0}  diamonds {Median(results, x => x.Diamonds),8:N0} steps/s  " +
                $"concurrency={settings.MaxConcurrentWorkflows} idle={settings.IdleTime.TotalMilliseconds}ms completion={settings.Completion} indexes={settings.Indexes}" +
                (settings == WorkflowCoreSettings.Defaults ? "  (Workflow Core's defaults)" : settings == WorkflowCoreSettings.Fastest ? "  (chosen)" : ""));
        }

        return 0;
    }

    private static double Median<T>(List<T> results, Func<T, double> value) => results.Select(value).Order().ElementAt(results.Count / 2);
}
