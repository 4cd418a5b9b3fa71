using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>Turns YAML nodes into JSON values with the YAML 1.2 core schema (so <c>yes</c> stays a string).</summary>
public static partial class YamlScalars
{
    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    public static bool IsNull(ScalarNode scalar) => scalar.IsPlain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The JSON value of a scalar: null, boolean, number, or string (quoted scalars are always strings).</summary>
    public static JsonNode? ToJson(ScalarNode scalar)
    {
        if (!scalar.IsPlain)
        {
            return JsonValue.Create(scalar.Value);
        }

        var text = scalar.Value;
        if (IsNull(scalar)) return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }

        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    /// <summary>The JSON value of any node (lists and mappings recursively); expressions stay as their text.</summary>
    public static JsonNode? ToJson(Node node) => node switch
    {
        ScalarNode scalar => ToJson(scalar),
        SequenceNode sequence => new JsonArray(sequence.Items.Select(ToJson).ToArray()),
        MappingNode mapping => new JsonObject(mapping.Entries.Select(e => KeyValuePair.Create(e.Key.Value, ToJson(e.Value)))),
        _ => null,
    };

    /// <summary>The JSON type name of a value, as messages show it.</summary>
    public static string TypeName(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "a mapping",
        JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "a boolean",
        _ when Json.JsonNumbers.IsInteger(value) => "an integer",
        _ when Json.JsonNumbers.IsNumber(value) => "a number",
        _ => "a string",
    };
}
