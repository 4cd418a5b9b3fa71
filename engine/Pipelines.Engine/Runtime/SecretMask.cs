using System.Text.Json.Nodes;

namespace Pipelines.Runtime;

/// <summary>Replaces secret values with <c>***</c> in text and JSON before anything is logged or stored.</summary>
internal static class SecretMask
{
    public const string Mask = "***";

    public static string Apply(string text, IReadOnlyDictionary<string, string> secrets)
    {
        foreach (var secret in secrets.Values)
        {
            if (secret.Length >= 3) text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    public static JsonNode? Apply(JsonNode? node, IReadOnlyDictionary<string, string> secrets)
    {
        if (secrets.Count == 0) return node;
        return node switch
        {
            JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Apply(p.Value, secrets)))),
            JsonArray array => new JsonArray(array.Select(i => Apply(i, secrets)).ToArray()),
            JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String => JsonValue.Create(Apply(value.GetValue<string>(), secrets)),
            _ => node?.DeepClone(),
        };
    }
}
