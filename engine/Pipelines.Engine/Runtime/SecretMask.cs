using System.Text.Json.Nodes;

namespace Pipelines.Runtime;

/// <summary>
/// The secrets of a process (<c>secrets.NAME</c>) and the mask that replaces their values with <c>***</c> in text
/// and JSON — keys as well as values — before anything is stored, logged or published.
/// </summary>
internal sealed class SecretMask
{
    public const string Mask = "***";

    // Longest first, so a secret that contains another is masked whole rather than around the shorter one.
    private readonly string[] _values;

    public SecretMask(IReadOnlyDictionary<string, string> secrets)
    {
        Secrets = secrets;
        _values = [.. secrets.Values.Where(v => v.Length >= 3).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
    }

    public static SecretMask None { get; } = new(new Dictionary<string, string>());

    /// <summary>Values by name, as <c>secrets.NAME</c> reads them.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; }

    public bool IsEmpty => _values.Length == 0;

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Apply(string? text)
    {
        if (text is null) return null;
        foreach (var secret in _values)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>A copy with every secret masked, in string values and in property names.</summary>
    public JsonNode? Apply(JsonNode? node)
    {
        if (_values.Length == 0) return node;
        switch (node)
        {
            case JsonObject obj:
                var masked = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    // Two keys may mask to the same text: number the later ones rather than lose or reject them.
                    var name = Apply(key);
                    for (var n = 2; masked.ContainsKey(name); n++) name = $"{Apply(key)} ({n})";
                    masked[name] = Apply(value);
                }

                return masked;
            case JsonArray array:
                return new JsonArray(array.Select(Apply).ToArray());
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                return JsonValue.Create(Apply(value.GetValue<string>()));
            default:
                return node?.DeepClone();
        }
    }

    public JsonObject? Apply(JsonObject? node) => (JsonObject?)Apply((JsonNode?)node);
}
