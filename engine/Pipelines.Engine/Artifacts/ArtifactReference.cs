using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Pipelines.Artifacts;

/// <summary>
/// A pointer to content in the artifact store, written in step outputs as <c>artifact://sha256/&lt;digest&gt;</c>.
/// The digest is the sha256 of a file's bytes, or of a directory artifact's manifest.
/// </summary>
[JsonConverter(typeof(ArtifactReferenceJsonConverter))]
public sealed record ArtifactReference
{
    public const string Prefix = "artifact://sha256/";

    private static readonly SearchValues<char> LowercaseHex = SearchValues.Create("0123456789abcdef");

    /// <param name="digest">64 lowercase hex characters.</param>
    public ArtifactReference(string digest)
    {
        if (!IsDigest(digest))
            throw new ArgumentException($"'{digest}' is not a sha256 digest; expected 64 lowercase hex characters.", nameof(digest));
        Digest = digest;
    }

    /// <summary>The sha256, 64 lowercase hex characters. Safe to use as a file name: it holds nothing but hex.</summary>
    public string Digest { get; }

    /// <summary><c>artifact://sha256/&lt;digest&gt;</c>, the form outputs carry.</summary>
    [SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "The artifact scheme is ours; outputs carry it as a JSON string.")]
    public string Uri => Prefix + Digest;

    public override string ToString() => Uri;

    /// <summary>
    /// Reads exactly <c>artifact://sha256/</c> followed by 64 lowercase hex characters, nothing before or after.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out ArtifactReference? reference)
    {
        reference = text is not null && text.StartsWith(Prefix, StringComparison.Ordinal) && IsDigest(text.AsSpan(Prefix.Length))
            ? new ArtifactReference(text[Prefix.Length..])
            : null;
        return reference is not null;
    }

    /// <summary>
    /// Whether <paramref name="text"/> is written as an artifact reference (it starts with <c>artifact:</c>) but is not
    /// exactly one: an error to report, never a path to read (<c>artifact://sha256/../../etc/passwd</c>).
    /// </summary>
    public static bool IsMalformed(string text) =>
        text.AsSpan().TrimStart().StartsWith("artifact:", StringComparison.OrdinalIgnoreCase) && !TryParse(text, out _);

    /// <summary>What a malformed reference is told: the one form a reference takes.</summary>
    public static string MalformedMessage(string text) =>
        $"'{text}' is not an artifact reference: write {Prefix} followed by the 64 lower-case hex digits of its sha256, as step outputs give it";

    public static ArtifactReference Parse(string text) =>
        TryParse(text, out var reference)
            ? reference
            : throw new FormatException($"'{text}' is not an artifact reference; expected {Prefix}<64 lowercase hex characters>.");

    /// <summary>
    /// Every distinct artifact reference that is a whole string value somewhere in <paramref name="node"/>, in
    /// document order. Property names and references embedded in longer strings do not count: only a value that
    /// is a reference says "this step uses that artifact".
    /// </summary>
    public static IEnumerable<ArtifactReference> FindIn(JsonNode? node)
    {
        // Most steps pass no artifacts at all: nothing to find, nothing allocated.
        if (node is null or JsonObject { Count: 0 }) return [];
        var found = new List<ArtifactReference>();
        Collect(node, found, new HashSet<string>(StringComparer.Ordinal));
        return found;
    }

    internal static bool IsDigest(ReadOnlySpan<char> text) => text.Length == 64 && !text.ContainsAnyExcept(LowercaseHex);

    private static void Collect(JsonNode? node, List<ArtifactReference> found, HashSet<string> seen)
    {
        switch (node)
        {
            case JsonObject properties:
                foreach (var (_, value) in properties)
                    Collect(value, found, seen);
                break;
            case JsonArray items:
                foreach (var item in items)
                    Collect(item, found, seen);
                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && TryParse(text, out var reference) && seen.Add(reference.Digest):
                found.Add(reference);
                break;
        }
    }
}
