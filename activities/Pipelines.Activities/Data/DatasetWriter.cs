using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipelines.Activities.Data;

/// <summary>
/// Writes the JSONL of a split (<c>{"prompt","completion","id","source","record"}</c> per line, or
/// <c>{"text","id","source","record"}</c> for text records) and of the quarantine
/// (<c>{"source","record","reason","excerpt"}</c>): UTF-8, non-ASCII text as is, keys always in this order.
/// </summary>
internal static class DatasetWriter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static byte[] Examples(IEnumerable<CurationExample> examples)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using var writer = new Utf8JsonWriter(buffer, Options);
        foreach (var example in examples)
        {
            writer.WriteStartObject();
            if (example.Completion is null)
            {
                writer.WriteString("text", example.Prompt);
            }
            else
            {
                writer.WriteString("prompt", example.Prompt);
                writer.WriteString("completion", example.Completion);
            }

            writer.WriteString("id", example.Id);
            writer.WriteString("source", example.Source);
            writer.WriteNumber("record", example.Record);
            writer.WriteEndObject();
            EndLine(writer, buffer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Quarantine(IEnumerable<QuarantinedRecord> records)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 12);
        using var writer = new Utf8JsonWriter(buffer, Options);
        foreach (var record in records)
        {
            writer.WriteStartObject();
            writer.WriteString("source", record.Source);
            writer.WriteNumber("record", record.Record);
            writer.WriteString("reason", record.Reason);
            if (record.Excerpt is null) writer.WriteNull("excerpt");
            else writer.WriteString("excerpt", record.Excerpt);
            writer.WriteEndObject();
            EndLine(writer, buffer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void EndLine(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer)
    {
        writer.Flush();
        writer.Reset();
        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
    }
}
