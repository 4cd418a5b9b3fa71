using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Json;

/// <summary>
/// Numbers in JSON nodes, whatever CLR type backs them (a JsonValue made from an int refuses GetValue&lt;long&gt;,
/// one parsed from text refuses nothing): read them through their JSON text, which is always the same.
/// </summary>
public static class JsonNumbers
{
    public static bool IsNumber(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    /// <summary>True for a number written without fraction or exponent (<c>3</c>, not <c>3.0</c> or <c>1e3</c>).</summary>
    public static bool IsInteger(JsonNode? node) =>
        IsNumber(node) && node!.ToJsonString() is var text && text.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(text, CultureInfo.InvariantCulture, out _);

    public static double? AsDouble(JsonNode? node) =>
        IsNumber(node) ? double.Parse(node!.ToJsonString(), CultureInfo.InvariantCulture) : null;

    public static long? AsLong(JsonNode? node) =>
        IsInteger(node) ? long.Parse(node!.ToJsonString(), CultureInfo.InvariantCulture) : null;
}
