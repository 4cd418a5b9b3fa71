using System.Text;
using System.Text.RegularExpressions;

namespace Pipelines.Activities.Safety;

/// <summary>
/// Finds the terms of a word list (toxic words, refusal phrases) in text: case-insensitive, on word boundaries (a term never matches inside a longer
/// word: "ass" is not found in "class"), with any run of white space matching a space inside a multi-word term. Word
/// characters are letters and digits of any script, as curation counts words. Where terms overlap, the longest wins. An
/// apostrophe in a term matches a typographic one (’) too.
/// </summary>
public sealed class WordListMatcher
{
    private static readonly Lazy<WordListMatcher> ToxicMatcher = new(() => new WordListMatcher(VendoredList.NaughtyWords.Entries()));

    private readonly Regex? _pattern;
    private readonly Dictionary<string, string> _canonical = new(StringComparer.Ordinal);

    public WordListMatcher(IEnumerable<string> terms)
    {
        foreach (var term in terms)
        {
            var key = Key(term);
            if (key.Length > 0) _canonical.TryAdd(key, term.Trim());
        }

        if (_canonical.Count == 0) return;
        var alternatives = _canonical.Keys
            .OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal)
            .Select(k => string.Join(@"\s+", k.Split(' ').Select(word => Regex.Escape(word).Replace("'", "['’]", StringComparison.Ordinal))));
        _pattern = new Regex($@"(?<![\p{{L}}\p{{Nd}}])(?:{string.Join('|', alternatives)})(?![\p{{L}}\p{{Nd}}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
    }

    /// <summary>Toxic words: the LDNOOBW English list of the <c>naughty-words</c> package (see <see cref="VendoredList.NaughtyWords"/>).</summary>
    public static WordListMatcher Toxic => ToxicMatcher.Value;

    /// <summary>How many distinct terms the list has.</summary>
    public int Count => _canonical.Count;

    /// <summary>The list's terms found in <paramref name="text"/>, each once, as the list spells them, in order of first appearance.</summary>
    public IReadOnlyList<string> Find(string text)
    {
        if (_pattern is null || text.Length == 0) return [];
        var found = new List<string>();
        foreach (Match match in _pattern.Matches(text))
        {
            var term = _canonical.GetValueOrDefault(Key(match.Value), match.Value);
            if (!found.Contains(term, StringComparer.Ordinal)) found.Add(term);
        }

        return found;
    }

    /// <summary>Lower case (invariant), white space runs as one space, trimmed: how terms and matches are compared.</summary>
    private static string Key(string text)
    {
        var key = new StringBuilder(text.Length);
        foreach (var c in text.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                if (key.Length > 0 && key[^1] != ' ') key.Append(' ');
            }
            else
            {
                key.Append(c == '’' ? '\'' : char.ToLowerInvariant(c));
            }
        }

        return key.ToString();
    }
}
