namespace Pipelines.Activities.Data;

/// <summary>Reads the records of one source file with the reader its format calls for.</summary>
internal static class RecordReader
{
    private const long MaxMailBytes = 32 << 20;

    /// <summary>Each record, and whether it is a mail record (whose fields are the mail fields).</summary>
    public static IEnumerable<(RawRecord Record, bool IsMail)> Read(SourceFile file, long size, CancellationToken ct)
    {
        switch (file.Format)
        {
            case SourceFormat.Jsonl:
                return Stream(file, s => JsonlReader.Read(s, ct), isMail: false);
            case SourceFormat.Csv:
                return Stream(file, s => CsvReader.Read(s, ct), isMail: false);
            case SourceFormat.Mbox:
                return Stream(file, s => MailParser.ReadMbox(s, ct), isMail: true);
            default:
                if (size > MaxMailBytes)
                {
                    return [(RawRecord.Failed(1, $"{size >> 20} MiB: too large for one mail message (an mbox file? name it .mbox)", null), true)];
                }

                var content = File.ReadAllBytes(file.Path);
                if (file.Format == SourceFormat.MailOrJsonl && FirstNonSpace(content) == '{')
                {
                    return JsonlReader.Read(new MemoryStream(content, writable: false), ct).Select(r => (r, false));
                }

                return [(MailParser.ReadMessage(content), true)];
        }
    }

    private static IEnumerable<(RawRecord, bool)> Stream(SourceFile file, Func<Stream, IEnumerable<RawRecord>> read, bool isMail)
    {
        using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        foreach (var record in read(stream)) yield return (record, isMail);
    }

    private static int FirstNonSpace(byte[] content)
    {
        var start = content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF ? 3 : 0; // a UTF-8 byte order mark
        foreach (var b in content.AsSpan(start))
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return b;
        }

        return -1;
    }
}
