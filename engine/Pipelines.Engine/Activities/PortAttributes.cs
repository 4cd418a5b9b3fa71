namespace Pipelines.Activities;

/// <summary>Describes an input or output property. The YAML name is the property name in snake_case unless given.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PortAttribute(string description) : Attribute
{
    public string Description { get; } = description;

    /// <summary>Overrides the snake_case name derived from the property.</summary>
    public string? Name { get; init; }
}

/// <summary>Bounds a numeric input; validation rejects literals outside them.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(double minimum, double maximum) : Attribute
{
    public double Minimum { get; } = minimum;

    public double Maximum { get; } = maximum;
}

/// <summary>Marks a value that must never be logged or shown (API keys, passwords).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SensitiveAttribute : Attribute;

/// <summary>Restricts a string input to a fixed set of values.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>
/// Marks a string input (or a list of strings) that names a file or folder on this machine, or an artifact reference.
/// The cache key then includes a fingerprint of what the path names (sizes and last-write times), so that editing the
/// file makes the next run execute the step again instead of reusing a stale result.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LocalPathAttribute : Attribute;
