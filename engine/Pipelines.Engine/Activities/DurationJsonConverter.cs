using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelines.Definitions;

namespace Pipelines.Activities;

/// <summary>Reads and writes <see cref="TimeSpan"/> in the pipeline notation (<c>30s</c>, <c>5m</c>, <c>1h30m</c>).</summary>
internal sealed class DurationJsonConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return TimeSpan.FromSeconds(reader.GetDouble());
        }

        var text = reader.GetString() ?? "";
        return Duration.TryParse(text, out var value, out var error) ? value : throw new JsonException(error);
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Duration.Format(value));
}
