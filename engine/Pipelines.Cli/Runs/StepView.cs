using Pipelines.Runtime;

namespace Pipelines.Cli.Runs;

/// <summary>What a display knows about one step execution (or matrix combination) of a run.</summary>
public sealed class StepView(string id, string? parentId)
{
    public string Id { get; } = id;

    /// <summary>The matrix step this is a combination of, or null.</summary>
    public string? ParentId { get; } = parentId;

    public StepStatus Status { get; set; } = StepStatus.Pending;

    public int Attempts { get; set; }

    public bool Cached { get; set; }

    public DateTimeOffset? Started { get; set; }

    public DateTimeOffset? Finished { get; set; }

    public string? Error { get; set; }

    public double? Fraction { get; set; }

    public string? Message { get; set; }

    /// <summary>The latest value of every metric reported so far (loss, tokens/s ...), in the order first reported.</summary>
    public List<KeyValuePair<string, double>> Metrics { get; } = [];

    public string? LastLog { get; set; }

    /// <summary>How long it ran (or has been running, at <paramref name="now"/>); null before it starts.</summary>
    public TimeSpan? Duration(DateTimeOffset now) => Started is { } started ? (Finished ?? now) - started : null;

    public void SetMetric(string name, double value)
    {
        var index = Metrics.FindIndex(m => m.Key == name);
        if (index >= 0) Metrics[index] = new(name, value);
        else Metrics.Add(new(name, value));
    }
}
