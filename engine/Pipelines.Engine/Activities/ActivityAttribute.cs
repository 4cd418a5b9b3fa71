namespace Pipelines.Activities;

/// <summary>Declares a class as an activity: its type name (the YAML <c>uses:</c>), major version and catalog entry.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActivityAttribute(string type) : Attribute
{
    public string Type { get; } = type;

    public int Version { get; init; } = 1;

    public string Category { get; init; } = "General";

    public string Description { get; init; } = "";

    /// <summary>Same inputs and input artifacts give the same outputs, so results may be cached.</summary>
    public bool Deterministic { get; init; } = true;

    /// <summary>
    /// The revision of what the activity computes, part of its cache key (as Flyte's <c>cache_version</c> and
    /// Dagster's <c>code_version</c>): raise it when a change makes the same inputs give other outputs, so results
    /// cached by the older code are not served. A change that also changes the contract is a new <see cref="Version"/>.
    /// </summary>
    public int Revision { get; init; } = 1;

    /// <summary>
    /// Returns at once without blocking (a join, an echo, a decision on values it is given): the runtime calls it on
    /// the run's own loop, takes no execution slot for it, and applies its result in the same pass, so a chain of
    /// inline steps costs no thread hops. Leave it false for anything that computes or waits for long.
    /// </summary>
    public bool Inline { get; init; }
}
