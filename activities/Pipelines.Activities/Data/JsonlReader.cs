using System.Text;
using System.Text.Json;

namespace Pipelines.Activities.Data;

/// <summary>
/// Reads JSON Lines: one object per line, blank lines skipped. String values are fields as they are; numbers and
/// booleans as their JSON text; null as empty; nested objects and arrays as JSON. A line that is not a JSON object
/// is a failed record with the parser's reason.
/// </summary>
internal static class JsonlReader
{
    public static IEnumerable<RawRecord> Read(Stream stream, CancellationToken ct)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if ((number & 1023) == 0) ct.ThrowIfCancellationRequested();
            if (line.AsSpan().IsWhiteSpace()) continue;
            yield return Parse(number, line);
        }
    }

    private static RawRecord Parse(int number, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return RawRecord.Failed(number, $"a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object", Excerpt(line));
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                fields[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Null => "",
                    _ => property.Value.GetRawText(),
                };
            }

            return new RawRecord(number, fields);
        }
        catch (JsonException e)
        {
            return RawRecord.Failed(number, $"invalid JSON: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}", Excerpt(line));
        }
    }

    internal static string Excerpt(string text) => text.Length <= 200 ? text : text[..200];
}
