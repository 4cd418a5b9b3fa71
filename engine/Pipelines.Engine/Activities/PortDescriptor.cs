using System.Reflection;
using System.Text.Json.Nodes;

namespace Pipelines.Activities;

/// <summary>One input or output of an activity, derived from a property of its inputs or outputs record.</summary>
public sealed record PortDescriptor(
    string Name,
    ValueShape Shape,
    string Description,
    bool Required,
    JsonNode? Default,
    double? Minimum,
    double? Maximum,
    bool Sensitive,
    IReadOnlyList<string>? AllowedValues,
    bool LocalPath = false)
{
    internal PropertyInfo? Property { get; init; }
}
