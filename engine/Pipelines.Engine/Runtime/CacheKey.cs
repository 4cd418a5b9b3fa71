using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Artifacts;

namespace Pipelines.Runtime;

/// <summary>
/// The cache key of a step execution: sha256 over the activity's type@version, its revision (when above 1: see
/// <see cref="ActivityAttribute.Revision"/>) and its resolved inputs in canonical JSON (keys sorted). Input artifacts are named by content digest (<c>artifact://sha256/...</c>), so the digests
/// of input artifacts are part of the key by construction. Inputs marked <see cref="LocalPathAttribute"/> that name
/// a path on this machine add a fingerprint of what is there: sizes and last-write times, as make and ninja judge
/// staleness, not a content hash, which would read multi-GB model folders on every run.
/// </summary>
public static class CacheKey
{
    private const string Missing = "missing";
    private const string Unreadable = "unreadable";

    /// <summary>The key of a step of <paramref name="activity"/>, local paths among its inputs fingerprinted.</summary>
    public static string Compute(ActivityDescriptor activity, JsonObject inputs)
    {
        var local = new JsonObject();
        foreach (var port in activity.Inputs.Where(p => p.LocalPath))
        {
            if (Fingerprint(inputs[port.Name]) is { } fingerprint) local[port.Name] = fingerprint;
        }

        return Compute(activity.Uses, activity.Revision, inputs, local.Count > 0 ? local : null);
    }

    public static string Compute(string uses, JsonObject inputs) => Compute(uses, 1, inputs, null);

    private static string Compute(string uses, int revision, JsonObject inputs, JsonObject? local)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("uses", uses);
            // Absent at revision 1, so activities never revised keep the keys they had before revisions existed.
            if (revision != 1) writer.WriteNumber("revision", revision);
            writer.WritePropertyName("inputs");
            WriteCanonical(writer, inputs);
            // Absent when no local path is given, so such steps keep the keys they had before fingerprints existed.
            if (local is not null)
            {
                writer.WritePropertyName("local");
                WriteCanonical(writer, local);
            }

            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>The fingerprint of a path, or of each path in a list; null for what names no local path.</summary>
    private static JsonNode? Fingerprint(JsonNode? value) => value switch
    {
        JsonArray list => list.Select(Fingerprint).ToArray() is var each && each.Any(f => f is not null) ? new JsonArray(each) : null,
        JsonValue text when text.TryGetValue<string>(out var path) && !ArtifactReference.TryParse(path.Trim(), out _) => FingerprintPath(path),
        _ => null,
    };

    private static JsonNode FingerprintPath(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) return Missing;
        try
        {
            // Relative to the working directory, as the activities resolve them.
            var path = Path.GetFullPath(value);
            if (File.Exists(path)) return Stamp(new FileInfo(path));
            if (Directory.Exists(path)) return FingerprintFolder(path);

            // A glob (data/**/*.jsonl): the folder it searches, which changes whenever a file it may match does.
            var wildcard = value.IndexOfAny(['*', '?']);
            if (wildcard < 0) return Missing;
            var separator = value.LastIndexOfAny(['/', '\\'], wildcard);
            var root = Path.GetFullPath(separator < 0 ? "." : value[..(separator + 1)]);
            return Directory.Exists(root) ? FingerprintFolder(root) : Missing;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The key must not fail the run: the activity reads the path itself and reports what is wrong with it.
            return Unreadable;
        }
    }

    private static JsonObject FingerprintFolder(string path)
    {
        var files = new JsonObject();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", options))
        {
            files[Path.GetRelativePath(path, file.FullName).Replace('\\', '/')] = Stamp(file);
        }

        return files;
    }

    private static string Stamp(FileInfo file) => $"{file.Length} {file.LastWriteTimeUtc.Ticks}";

    private static void WriteCanonical(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteCanonical(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) WriteCanonical(writer, item);
                writer.WriteEndArray();
                break;
            default:
                // Numbers through their text so 1 and 1.0 written the same way hash the same way.
                writer.WriteRawValue(Encoding.UTF8.GetBytes(node.ToJsonString()));
                break;
        }
    }
}
