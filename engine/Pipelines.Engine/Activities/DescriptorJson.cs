using System.Text.Json.Nodes;

namespace Pipelines.Activities;

/// <summary>Descriptors as JSON, for <c>pipelines activities --json</c>, the HTTP API and the designer.</summary>
public static class DescriptorJson
{
    public static JsonArray Catalog(ActivityCatalog catalog) => new(catalog.All.Select(d => (JsonNode)Activity(d)).ToArray());

    public static JsonObject Activity(ActivityDescriptor d) => new()
    {
        ["type"] = d.Type,
        ["version"] = d.Version,
        ["uses"] = d.Uses,
        ["category"] = d.Category,
        ["description"] = d.Description,
        ["deterministic"] = d.Deterministic,
        ["inputs"] = Ports(d.Inputs),
        ["outputs"] = Ports(d.Outputs),
    };

    private static JsonArray Ports(IReadOnlyList<PortDescriptor> ports) => new(ports.Select(p => (JsonNode)Port(p)).ToArray());

    private static JsonObject Port(PortDescriptor p)
    {
        var json = new JsonObject
        {
            ["name"] = p.Name,
            ["type"] = p.Shape.DisplayName,
            ["description"] = p.Description,
            ["required"] = p.Required,
        };
        if (p.Default is not null) json["default"] = p.Default.DeepClone();
        if (p.Minimum is { } min) json["minimum"] = min;
        if (p.Maximum is { } max) json["maximum"] = max;
        if (p.AllowedValues is { } values) json["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        if (p.Sensitive) json["sensitive"] = true;
        if (p.Shape.Properties is { Count: > 0 } fields) json["fields"] = Ports(fields);
        return json;
    }
}
