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
    private readonly (string Value, string Name)[] _named;

    /// <exception cref="ArgumentException">A secret is shorter than <see cref="MinLength"/>, or two names differ only in case.</exception>
    public SecretMask(IReadOnlyDictionary<string, string> secrets)
    {
        if (Problems(secrets.Select(s => (s.Key, $"secrets.{s.Key}", s.Value))).FirstOrDefault() is { } problem) throw new ArgumentException(problem, nameof(secrets));
        Secrets = secrets;
        _values = [.. secrets.Values.Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
        // A value two names share is sealed as the first name: either one unseals to the same value.
        _named = [.. secrets.GroupBy(s => s.Value, StringComparer.Ordinal)
            .Select(g => (Value: g.Key, Name: g.Select(s => s.Key).Order(StringComparer.Ordinal).First()))
            .OrderByDescending(s => s.Value.Length)];
    }

    // What a sealed secret reads as: U+241F (the picture of the unit separator) around its name; no activity input
    // holds one by chance.
    private const char Seam = '\u241F';

    /// <summary>
    /// A copy of <paramref name="node"/> for another process of the same deployment: every secret's value replaced by a
    /// token naming it, so that the shared store never holds the value; that process puts its own value back
    /// (<see cref="Unseal"/>).
    /// </summary>
    public JsonNode? Seal(JsonNode? node) => Map(node, text =>
    {
        foreach (var (value, name) in _named) text = text.Replace(value, $"{Seam}secret:{name}{Seam}", StringComparison.Ordinal);
        return text;
    });

    /// <summary>
    /// <paramref name="node"/> with each sealed secret's value put back from this process's secrets; the names this
    /// process does not have are <paramref name="missing"/> (their tokens stay).
    /// </summary>
    public JsonNode? Unseal(JsonNode? node, out IReadOnlyList<string> missing)
    {
        var absent = new SortedSet<string>(StringComparer.Ordinal);
        var unsealed = Map(node, text =>
        {
            if (!text.Contains(Seam, StringComparison.Ordinal)) return text;
            foreach (var part in text.Split(Seam))
            {
                if (!part.StartsWith("secret:", StringComparison.Ordinal)) continue;
                var name = part["secret:".Length..];
                if (Secrets.TryGetValue(name, out var value)) text = text.Replace($"{Seam}{part}{Seam}", value, StringComparison.Ordinal);
                else absent.Add(name);
            }

            return text;
        });
        missing = [.. absent];
        return unsealed;
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
    public JsonNode? Apply(JsonNode? node) => _values.Length == 0 ? node : Map(node, text => Apply(text));

    /// <summary>A copy with <paramref name="change"/> applied to every string value and property name.</summary>
    private static JsonNode? Map(JsonNode? node, Func<string, string> change)
    {
        switch (node)
        {
            case JsonObject obj:
                var mapped = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    // Two keys may map to the same text (masked alike): number the later ones rather than lose or reject them.
                    var name = change(key);
                    for (var n = 2; mapped.ContainsKey(name); n++) name = $"{change(key)} ({n})";
                    mapped[name] = Map(value, change);
                }

                return mapped;
            case JsonArray array:
                return new JsonArray(array.Select(item => Map(item, change)).ToArray());
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                return JsonValue.Create(change(value.GetValue<string>()));
            default:
                return node?.DeepClone();
        }
    }

    public JsonObject? Apply(JsonObject? node) => (JsonObject?)Apply((JsonNode?)node);
}
