using System.Text.Json.Nodes;

namespace Pipelines.Runtime;

/// <summary>
/// The secrets of a process (<c>secrets.NAME</c>) and the mask that replaces their values with <c>***</c> in text
/// and JSON — keys as well as values — before anything is stored, logged or published. Every secret is masked: one
/// too short to mask safely is refused when the mask is made (<see cref="MinLength"/>).
/// </summary>
internal sealed class SecretMask
{
    public const string Mask = "***";

    /// <summary>
    /// The shortest secret accepted. Masking replaces every occurrence of the value, so a short one would also blank
    /// out ordinary words and numbers in logs and errors (and where the gaps fall would spell it out); a credential
    /// worth keeping secret is longer than this anyway. API token secrets ask for 16 (<c>Auth:Tokens</c>).
    /// </summary>
    public const int MinLength = 8;

    // Longest first, so a secret that contains another is masked whole rather than around the shorter one.
    private readonly string[] _values;

    /// <exception cref="ArgumentException">A secret is shorter than <see cref="MinLength"/>, or two names differ only in case.</exception>
    public SecretMask(IReadOnlyDictionary<string, string> secrets)
    {
        if (Problems(secrets.Select(s => (s.Key, $"secrets.{s.Key}", s.Value))).FirstOrDefault() is { } problem) throw new ArgumentException(problem, nameof(secrets));
        Secrets = secrets;
        _values = [.. secrets.Values.Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
    }

    public static SecretMask None { get; } = new(new Dictionary<string, string>());

    /// <summary>Values by name, as <c>secrets.NAME</c> reads them (names compare without case).</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; }

    public bool IsEmpty => _values.Length == 0;

    /// <summary>
    /// What is wrong with secrets given as (name, how to call it in a message, value): a value too short to mask, or
    /// a name that another one repeats in different case (<c>secrets.X</c> and <c>secrets.x</c> are the same).
    /// </summary>
    public static IEnumerable<string> Problems(IEnumerable<(string Name, string Label, string Value)> secrets)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, label, value) in secrets)
        {
            if (value.Length < MinLength)
            {
                yield return $"{label} is {value.Length} character{(value.Length == 1 ? "" : "s")} long; secrets must have at least {MinLength} so that masking them "
                             + "in logs and errors hides them without blanking out ordinary text";
            }

            if (!seen.TryAdd(name, label)) yield return $"{seen[name]} and {label} name the same secret (names do not distinguish case)";
        }
    }

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
