using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipelines.Activities.Data;

/// <summary>
/// Replaces personal data with typed placeholders (<c>[EMAIL]</c>, <c>[PHONE]</c>, <c>[IP]</c>, <c>[CREDIT_CARD]</c>,
/// <c>[URL]</c>). URLs go first (an address inside a URL is part of the URL), then e-mail addresses, card numbers
/// (only digit runs that pass the Luhn check), IPv4/IPv6 addresses (IPv6 confirmed by <see cref="IPAddress"/>), and
/// phone numbers (international with +, North American with separators, national with a leading 0).
/// </summary>
/// <remarks>Names, postal addresses and identifiers without a fixed shape are not found; the dataset card says so.</remarks>
internal sealed partial class PiiRedactor(IReadOnlyCollection<PiiKind> kinds)
{
    private readonly PiiKind[] _kinds = PiiKinds.All.Where(kinds.Contains).ToArray();

    public IReadOnlyList<PiiKind> Kinds => _kinds;

    /// <summary>The text with every match replaced; <paramref name="counts"/> (indexed by kind) grows by the replacements.</summary>
    public string Redact(string text, Span<int> counts)
    {
        foreach (var kind in _kinds)
        {
            if (MayContain(kind, text))
            {
                text = Replace(text, kind, ref counts[(int)kind]);
            }
        }

        return text;
    }

    private static bool MayContain(PiiKind kind, string text) => kind switch
    {
        PiiKind.Url => text.Contains("://", StringComparison.Ordinal) || text.Contains("www.", StringComparison.OrdinalIgnoreCase),
        PiiKind.Email => text.Contains('@', StringComparison.Ordinal),
        PiiKind.Ip => text.AsSpan().IndexOfAny('.', ':') >= 0,
        _ => text.AsSpan().IndexOfAnyInRange('0', '9') >= 0,
    };

    private static string Replace(string text, PiiKind kind, ref int count)
    {
        StringBuilder? builder = null;
        var copied = 0;
        foreach (var (index, candidate) in Candidates(kind, text))
        {
            if (index < copied) continue; // inside what an earlier match replaced
            var length = Accept(kind, text.AsSpan(index, candidate));
            if (length == 0) continue;
            builder ??= new StringBuilder(text.Length);
            builder.Append(text, copied, index - copied).Append(kind.Placeholder());
            copied = index + length;
            count++;
        }

        return builder is null ? text : builder.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Where <paramref name="kind"/> may be, in text order: regex matches, or for e-mail the addresses around each '@'.</summary>
    private static List<(int Index, int Length)> Candidates(PiiKind kind, string text)
    {
        var found = new List<(int, int)>();
        if (kind == PiiKind.Email)
        {
            for (var at = text.IndexOf('@', StringComparison.Ordinal); at >= 0; at = text.IndexOf('@', at + 1))
            {
                if (EmailAround(text, at) is { } email) found.Add(email);
            }

            return found;
        }

        foreach (var match in Pattern(kind).EnumerateMatches(text)) found.Add((match.Index, match.Length));
        if (kind == PiiKind.Ip && HasIPv6Shape(text))
        {
            foreach (var match in IPv6().EnumerateMatches(text)) found.Add((match.Index, match.Length));
            found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        }

        return found;
    }

    /// <summary>The address around the '@' at <paramref name="at"/>: a local part before it, a host name (dot-separated labels) after it.</summary>
    private static (int Index, int Length)? EmailAround(string text, int at)
    {
        var start = at;
        while (start > 0 && IsLocalChar(text[start - 1])) start--;
        if (start == at) return null;

        var end = at + 1;
        var position = at + 1;
        while (true)
        {
            var label = position;
            while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '-')) position++;
            var labelEnd = position;
            while (labelEnd > label && text[labelEnd - 1] == '-') labelEnd--; // a label ends with a letter or digit
            if (labelEnd == label || text[label] == '-') break;
            end = labelEnd;
            if (labelEnd != position || position + 1 >= text.Length || text[position] != '.' || !char.IsAsciiLetterOrDigit(text[position + 1])) break;
            position++;
        }

        return end > at + 1 ? (start, end - start) : null;
    }

    private static bool IsLocalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '=' or '-';

    /// <summary>Two colons with only hex digits (or nothing) between: what any IPv6 address has and most text does not.</summary>
    private static bool HasIPv6Shape(ReadOnlySpan<char> text)
    {
        for (var colon = text.IndexOf(':'); colon >= 0 && colon + 1 < text.Length;)
        {
            var next = colon + 1;
            while (next < text.Length && next - colon <= 5 && char.IsAsciiHexDigit(text[next])) next++;
            if (next < text.Length && text[next] == ':') return true;
            var following = text[(colon + 1)..].IndexOf(':');
            colon = following < 0 ? -1 : colon + 1 + following;
        }

        return false;
    }

    private static Regex Pattern(PiiKind kind) => kind switch
    {
        PiiKind.Url => Url(),
        PiiKind.CreditCard => CardNumber(),
        PiiKind.Ip => IPv4(),
        _ => Phone(),
    };

    /// <summary>How much of a candidate match is the real thing: its length, a shorter length, or 0 for none.</summary>
    private static int Accept(PiiKind kind, ReadOnlySpan<char> match) => kind switch
    {
        PiiKind.Url => match.TrimEnd(".,;:!?").Length,
        PiiKind.CreditCard => IsLuhnValid(match) ? match.Length : 0,
        PiiKind.Ip => match.Contains(':') ? IPv6Length(match) : match.Length,
        PiiKind.Phone => DigitCount(match) is >= 7 and <= 15 ? match.Length : 0,
        _ => match.Length,
    };

    /// <summary>The Luhn (mod 10) check over the digits, which must number 13 to 19.</summary>
    internal static bool IsLuhnValid(ReadOnlySpan<char> number)
    {
        var digits = DigitCount(number);
        if (digits is < 13 or > 19) return false;
        var sum = 0;
        var doubled = false;
        for (var i = number.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(number[i])) continue;
            var d = number[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    private static int IPv6Length(ReadOnlySpan<char> match)
    {
        var candidate = match.TrimEnd('.');
        // "::" alone parses, and so would nothing a reader calls an address; times (12:30:45) do not parse.
        var hasHexDigit = candidate.ContainsAnyExcept(':', '.');
        return hasHexDigit && candidate.Count(':') >= 2
                           && IPAddress.TryParse(candidate, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? candidate.Length
            : 0;
    }

    private static int DigitCount(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c)) count++;
        }

        return count;
    }

    [GeneratedRegex("""(?:(?:https?|ftp)://|www\.)[^\s<>"'()\[\]{}]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Url();

    [GeneratedRegex("""(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-]|\.\d)""", RegexOptions.CultureInvariant)]
    private static partial Regex CardNumber();

    [GeneratedRegex("""(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)""", RegexOptions.CultureInvariant)]
    private static partial Regex IPv4();

    // Candidates only: IPAddress decides (see IPv6Length).
    [GeneratedRegex("""(?<![\w:.])[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?![\w:])""", RegexOptions.CultureInvariant)]
    private static partial Regex IPv6();

    // International (+ and a country code), North American (separators required), national (a leading 0).
    [GeneratedRegex("""(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w-]|\.\d)|(?<![\w.+-])(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|\.\d)|(?<![\w.+-])0\d{1,4}[ -]\d{3,4}[ -]?\d{3,4}(?![\w-]|\.\d)""", RegexOptions.CultureInvariant)]
    private static partial Regex Phone();
}
