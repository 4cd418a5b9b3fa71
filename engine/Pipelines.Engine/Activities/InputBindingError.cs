using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipelines.Activities;

/// <summary>Says in the pipeline's own words (input names and types) why JSON inputs did not fit an inputs record.</summary>
internal static partial class InputBindingError
{
    [GeneratedRegex("property '([^']+)' could not be mapped")]
    private static partial Regex Unmapped();

    [GeneratedRegex("missing required properties including: (.+)\\.?$")]
    private static partial Regex Missing();

    public static string Explain(JsonException e, Type inputs)
    {
        var message = e.Message;
        if (Unmapped().Match(message) is { Success: true } unmapped)
        {
            return $"unknown input '{unmapped.Groups[1].Value}'";
        }

        if (Missing().Match(message.Split(" Path:")[0]) is { Success: true } missing)
        {
            return $"missing required input {missing.Groups[1].Value.TrimEnd('.')}";
        }

        var name = e.Path?.TrimStart('$', '.') is { Length: > 0 } path ? path : null;
        if (name is null)
        {
            return "the inputs are not a JSON object";
        }

        var root = name.Split('.', '[')[0];
        var port = ActivityDescriber.Ports(inputs, withDefaults: false).FirstOrDefault(p => p.Name == root);
        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && port is not null)
        {
            return $"input '{name}' is required and cannot be null";
        }

        return port is null ? $"input '{name}' has the wrong type" : $"input '{name}' must be {port.Shape.DisplayName}";
    }
}
