using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Pipelines.Bench.Engine;

/// <summary>
/// What the process allocates, by type, from the runtime's own sampling (an allocation tick about every 100 KB): the
/// cheapest way to see where garbage comes from without an external profiler. Counts only while <see cref="Sampling"/>.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    public bool Sampling { get; set; }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!Sampling || e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || e.PayloadNames is not { } names) return;
        var type = e.Payload![names.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(e.Payload[names.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    /// <summary>The types that took most of the sampled bytes, with their share.</summary>
    public IEnumerable<string> Top(int count)
    {
        var total = Math.Max(1, _bytes.Values.Sum());
        return _bytes.OrderByDescending(p => p.Value).Take(count)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{100.0 * p.Value / total,6:F1}% {p.Key}"));
    }
}
