using System.Text;

namespace Pipelines.Activities.Data;

/// <summary>
/// Reads CSV (RFC 4180): a header row names the fields; fields may be quoted with <c>"</c>, hold commas, line breaks
/// and doubled quotes. A record's number is the line it starts on. A row with another number of fields than the
/// header, or a quote left open at the end of the file, is a failed record.
/// </summary>
internal static class CsvReader
{
    public static IEnumerable<RawRecord> Read(Stream stream, CancellationToken ct)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var line = 1;
        string[]? header = null;
        var rows = 0;
        while (true)
        {
            var start = line;
            var (fields, error, raw) = ReadRow(reader, ref line);
            if (fields is null && error is null) yield break;
            if ((++rows & 1023) == 0) ct.ThrowIfCancellationRequested();
            if (error is not null)
            {
                yield return RawRecord.Failed(start, error, JsonlReader.Excerpt(raw));
                yield break;
            }

            if (header is null)
            {
                header = fields!.Select(f => f.Trim()).ToArray();
                continue;
            }

            if (fields!.Count == 1 && fields[0].Length == 0) continue; // a blank line
            if (fields.Count != header.Length)
            {
                yield return RawRecord.Failed(start, $"{fields.Count} fields where the header has {header.Length} ({string.Join(", ", header)})", JsonlReader.Excerpt(raw));
                continue;
            }

            var record = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++) record[header[i]] = fields[i];
            yield return new RawRecord(start, record);
        }
    }

    /// <summary>One row: its fields, or an error, and the raw text it was read from; (null, null) at the end.</summary>
    private static (List<string>? Fields, string? Error, string Raw) ReadRow(TextReader reader, ref int line)
    {
        if (reader.Peek() < 0) return (null, null, "");
        var fields = new List<string>();
        var field = new StringBuilder();
        var raw = new StringBuilder();
        var quoted = false;
        var startLine = line;
        while (true)
        {
            var next = reader.Read();
            if (next < 0)
            {
                if (quoted) return (null, $"a quoted field opened on line {startLine} is never closed", raw.ToString());
                fields.Add(field.ToString());
                return (fields, null, raw.ToString());
            }

            var c = (char)next;
            if (raw.Length < 256) raw.Append(c);
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    if (reader.Peek() == '\n') reader.Read();
                    line++;
                    fields.Add(field.ToString());
                    return (fields, null, raw.ToString());
                case '\n':
                    line++;
                    fields.Add(field.ToString());
                    return (fields, null, raw.ToString());
                default:
                    field.Append(c);
                    break;
            }
        }
    }
}
