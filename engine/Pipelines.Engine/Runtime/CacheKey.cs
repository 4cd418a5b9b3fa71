using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Runtime;

/// <summary>
/// The cache key of a step execution: sha256 over the activity's type@version and its resolved inputs in canonical
/// JSON (keys sorted). Input artifacts are named by content digest (<c>artifact://sha256/...</c>), so the digests
/// of input artifacts are part of the key by construction.
/// </summary>
public static class CacheKey
{
    public static string Compute(string uses, JsonObject inputs)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("uses", uses);
            writer.WritePropertyName("inputs");
            WriteCanonical(writer, inputs);
            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

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
