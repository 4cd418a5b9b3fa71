using System.Collections.Concurrent;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>The <see cref="RunProbe"/> of each run, by run id: tests run in parallel, and each run is its own key.</summary>
public static class Probe
{
    private static readonly ConcurrentDictionary<string, RunProbe> Runs = new(StringComparer.Ordinal);

    public static RunProbe For(string runId) => Runs.GetOrAdd(runId, _ => new RunProbe());

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {seconds}s waiting until {what}");
            await Task.Delay(5);
        }
    }

    /// <summary>Like <see cref="UntilAsync(Func{bool}, string, double)"/> for a condition that reads the store.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {seconds}s waiting until {what}");
            await Task.Delay(10);
        }
    }
}
