namespace Pipelines.Api;

/// <summary>
/// The <c>Validation</c> configuration section: what posted pipelines (<c>POST /api/definitions</c> and
/// <c>/validate</c>) may cost the server. Environment variables work as for any .NET setting, e.g.
/// <c>Validation__MaxConcurrent=8</c>, <c>Validation__TimeLimit=00:00:30</c>.
/// </summary>
public sealed class ValidationOptions
{
    public const string Section = "Validation";

    /// <summary>Pipelines read and validated at once; default: the number of cores (validation is CPU work).</summary>
    public int MaxConcurrent { get; init; } = Environment.ProcessorCount;

    /// <summary>How long a request waits for a free slot before it is refused with 503 and <c>Retry-After</c>.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the body may take to arrive (else 408) and then to be validated (else 503).</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Every problem with these settings, one line each; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxConcurrent < 1) problems.Add($"{Section}:MaxConcurrent must be 1 or more, not {MaxConcurrent}");
        if (QueueTimeout < TimeSpan.Zero) problems.Add($"{Section}:QueueTimeout must not be negative");
        if (TimeLimit <= TimeSpan.Zero) problems.Add($"{Section}:TimeLimit must be longer than zero");
        return problems;
    }
}
