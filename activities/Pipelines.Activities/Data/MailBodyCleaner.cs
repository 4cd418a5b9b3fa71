using System.Text;
using System.Text.RegularExpressions;

namespace Pipelines.Activities.Data;

/// <summary>
/// Keeps what the author of a mail wrote: drops quoted replies (lines starting with <c>&gt;</c> and the "On ...
/// wrote:" line that introduces them), everything from an Outlook-style "-----Original Message-----" on, mailing-list
/// footers (a rule line followed by a few lines that mention the list or unsubscribing) and the signature (from a
/// <c>-- </c> line on, when few lines follow it).
/// </summary>
internal static partial class MailBodyCleaner
{
    private const int MaxSignatureLines = 15;
    private const int MaxFooterLines = 20;

    public static string Clean(string body)
    {
        var lines = body.Split('\n');
        var end = lines.Length;
        for (var i = 0; i < end; i++)
        {
            if (OriginalMessage().IsMatch(lines[i]))
            {
                end = i;
                break;
            }
        }

        end = CutFooters(lines, end);
        end = CutSignature(lines, end);

        var kept = new StringBuilder(body.Length);
        for (var i = 0; i < end; i++)
        {
            var line = lines[i];
            if (IsQuoted(line)) continue;
            if (Attribution().IsMatch(line) && NextTextIsQuoted(lines, i + 1, end))
            {
                // "On Thu, 22 Aug 2002, Robert Elz wrote:" may wrap: drop the line above it when it starts the sentence.
                if (i > 0 && !StartsAttribution(line) && StartsAttribution(lines[i - 1]) && kept.Length >= lines[i - 1].Length + 1)
                {
                    kept.Length -= lines[i - 1].Length + 1;
                }

                continue;
            }

            kept.Append(line).Append('\n');
        }

        return kept.ToString();
    }

    private static bool IsQuoted(ReadOnlySpan<char> line) => line.TrimStart().StartsWith('>');

    private static bool StartsAttribution(string line) => AttributionStart().IsMatch(line);

    private static bool NextTextIsQuoted(string[] lines, int from, int end)
    {
        for (var i = from; i < end; i++)
        {
            if (lines[i].AsSpan().IsWhiteSpace()) continue;
            return IsQuoted(lines[i]);
        }

        return true; // an attribution with nothing after it introduced a quote that was cut
    }

    private static int CutFooters(string[] lines, int end)
    {
        // The first rule line near the end that a footer follows; then again above it (a digest has several).
        for (var i = Math.Max(0, end - MaxFooterLines - 1); i < end; i++)
        {
            if (!Rule().IsMatch(lines[i])) continue;
            for (var j = i + 1; j < Math.Min(end, i + 7); j++)
            {
                if (FooterWords().IsMatch(lines[j])) return CutFooters(lines, i);
            }
        }

        return end;
    }

    private static int CutSignature(string[] lines, int end)
    {
        for (var i = Math.Max(0, end - MaxSignatureLines - 1); i < end; i++)
        {
            if (lines[i].TrimEnd('\r') is "-- " or "--" or "---") return i;
        }

        return end;
    }

    [GeneratedRegex(@"^\s*-{2,}\s*(Original Message|Urspr\u00fcngliche Nachricht|Message d'origine|Forwarded message)\s*-{2,}\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OriginalMessage();

    [GeneratedRegex(@"(wrote|writes|said|schrieb|a \u00e9crit|escribi\u00f3)\s*:\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Attribution();

    [GeneratedRegex(@"^\s*(On|Am|Le|El|Quoting|At)\s", RegexOptions.CultureInvariant)]
    private static partial Regex AttributionStart();

    [GeneratedRegex(@"^\s*([_=*~-])\1{9,}\s*$|^-{5,} ?Yahoo! Groups Sponsor", RegexOptions.CultureInvariant)]
    private static partial Regex Rule();

    [GeneratedRegex(@"mailing list|unsubscribe|list-?info|listinfo|sponsor|sourceforge\.net/lists|To unsubscribe|Your use of Yahoo", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FooterWords();
}
