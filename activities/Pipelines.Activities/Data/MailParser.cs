using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace Pipelines.Activities.Data;

/// <summary>
/// Reads mail with MimeKit into the fields a template can use: <c>subject</c> (without Re:/Fwd: and [list] tags),
/// <c>raw_subject</c>, <c>body</c> (the author's own text: see <see cref="MailBodyCleaner"/>), <c>from</c>, <c>to</c>,
/// <c>date</c> (ISO 8601) and <c>list</c> (the List-Id). The body is the text/plain part (the HTML part as text when
/// there is none), decoded from quoted-printable or base64 and from its charset; attachments are left out.
/// </summary>
internal static partial class MailParser
{
    public static readonly IReadOnlyList<string> FieldNames = ["subject", "raw_subject", "body", "from", "to", "date", "list"];

    static MailParser() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>One file holding one message (a .eml, a SpamAssassin file; a leading mbox "From " line is fine).</summary>
    public static RawRecord ReadMessage(byte[] content)
    {
        if (content.Length == 0) return RawRecord.Failed(1, "empty file", null);
        if (content.AsSpan(0, Math.Min(content.Length, 8192)).Contains((byte)0)) return RawRecord.Failed(1, "binary content (NUL bytes): not a mail message", null);

        MimeMessage message;
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            message = new MimeParser(stream, MimeFormat.Entity).ParseMessage();
        }
        catch (FormatException e)
        {
            return RawRecord.Failed(1, $"not a mail message: {e.Message}", Excerpt(content));
        }

        return FromMessage(message, 1, content);
    }

    /// <summary>An mbox file: every message in it, numbered from 1. A message that breaks the format ends the file's reading.</summary>
    public static IEnumerable<RawRecord> ReadMbox(Stream stream, CancellationToken ct)
    {
        if (stream.Length == 0)
        {
            yield return RawRecord.Failed(1, "empty file", null);
            yield break;
        }

        var parser = new MimeParser(stream, MimeFormat.Mbox);
        var number = 0;
        while (!parser.IsEndOfStream)
        {
            ct.ThrowIfCancellationRequested();
            var (record, broken) = Next(parser, ++number, ct);
            yield return record;
            if (broken) yield break;
        }
    }

    private static (RawRecord Record, bool Broken) Next(MimeParser parser, int number, CancellationToken ct)
    {
        try
        {
            return (FromMessage(parser.ParseMessage(ct), number, default), false);
        }
        catch (FormatException e)
        {
            return (RawRecord.Failed(number, $"not an mbox message ({e.Message}); the rest of the file was not read", null), true);
        }
    }

    internal static RawRecord FromMessage(MimeMessage message, int number, ReadOnlySpan<byte> raw)
    {
        if (!message.Headers.Contains(HeaderId.From) && !message.Headers.Contains(HeaderId.Subject) && !message.Headers.Contains(HeaderId.Date)
            && !message.Headers.Contains(HeaderId.To) && !message.Headers.Contains(HeaderId.MessageId))
        {
            return RawRecord.Failed(number, "not a mail message: no From, To, Subject, Date or Message-ID header", raw.IsEmpty ? null : Excerpt(raw));
        }

        string body;
        try
        {
            body = BodyText(message.Body);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or FormatException or DecoderFallbackException)
        {
            return RawRecord.Failed(number, $"cannot decode the body: {e.Message}", raw.IsEmpty ? null : Excerpt(raw));
        }

        var rawSubject = TextNormalizer.OneLine(message.Subject ?? "");
        return new RawRecord(number, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["subject"] = SubjectPrefixes().Replace(rawSubject, "").Trim(),
            ["raw_subject"] = rawSubject,
            ["body"] = TextNormalizer.Normalize(MailBodyCleaner.Clean(TextNormalizer.Normalize(body))),
            ["from"] = Addresses(message.From),
            ["to"] = Addresses(message.To),
            ["date"] = message.Headers.Contains(HeaderId.Date) ? message.Date.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) : "",
            ["list"] = ListId(message.Headers[HeaderId.ListId] ?? message.Headers["X-Mailing-List"] ?? ""),
        });
    }

    /// <summary>The text a reader sees: plain parts preferred, HTML as text otherwise, attachments and attached messages left out.</summary>
    private static string BodyText(MimeEntity? entity)
    {
        switch (entity)
        {
            case Multipart alternative when alternative.ContentType.IsMimeType("multipart", "alternative"):
                var plain = alternative.OfType<TextPart>().FirstOrDefault(p => p.IsPlain);
                if (plain is not null) return plain.Text ?? "";
                var html = alternative.OfType<TextPart>().FirstOrDefault(p => p.IsHtml);
                if (html is not null) return HtmlText.ToText(html.Text ?? "");
                return alternative.OfType<Multipart>().Select(BodyText).FirstOrDefault(t => t.Length > 0) ?? "";
            case Multipart related when related.ContentType.IsMimeType("multipart", "related") || related.ContentType.IsMimeType("multipart", "signed"):
                return related.Count > 0 ? BodyText(related[0]) : "";
            case Multipart mixed:
                return string.Join("\n\n", mixed.Where(p => !p.IsAttachment).Select(BodyText).Where(t => t.Length > 0));
            case TextPart { IsAttachment: false } text when text.IsPlain:
                return text.Text ?? "";
            case TextPart { IsAttachment: false } text when text.IsHtml:
                return HtmlText.ToText(text.Text ?? "");
            default:
                return "";
        }
    }

    private static string Addresses(InternetAddressList list) =>
        TextNormalizer.OneLine(string.Join(", ", list.Mailboxes.Select(m => string.IsNullOrWhiteSpace(m.Name) ? m.Address : $"{m.Name} <{m.Address}>")));

    private static string ListId(string header)
    {
        var open = header.LastIndexOf('<');
        var close = header.LastIndexOf('>');
        return TextNormalizer.OneLine(open >= 0 && close > open ? header[(open + 1)..close] : header);
    }

    /// <summary>The first 200 characters of raw input, as Latin-1 so that any byte shows as something.</summary>
    internal static string Excerpt(ReadOnlySpan<byte> raw) => Encoding.Latin1.GetString(raw[..Math.Min(raw.Length, 200)]);

    [GeneratedRegex(@"^(?:\s*(?:(?:re|fw|fwd|aw|sv|vs|wg|antw|tr|rif)(?:\[\d+\]|\(\d+\))?\s*:|\[[^\]]{1,40}\]))+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SubjectPrefixes();
}
