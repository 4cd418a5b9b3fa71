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
}
