using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelines.Artifacts;

/// <summary>
/// Writes an <see cref="ArtifactReference"/> as its <c>artifact://sha256/...</c> string, so an outputs record with an
/// artifact property serializes to the form that lineage and cache keys look for.
/// </summary>
public sealed class ArtifactReferenceJsonConverter : JsonConverter<ArtifactReference>
{
    public override ArtifactReference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return ArtifactReference.TryParse(text, out var reference)
            ? reference
            : throw new JsonException($"Expected an artifact reference ({ArtifactReference.Prefix}<64 lowercase hex characters>).");
    }

    public override void Write(Utf8JsonWriter writer, ArtifactReference value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Uri);
}
