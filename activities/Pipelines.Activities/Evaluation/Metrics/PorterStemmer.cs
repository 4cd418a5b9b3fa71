namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// The Porter stemmer as NLTK's <c>PorterStemmer()</c> computes it in its default <c>NLTK_EXTENSIONS</c> mode, which is
/// the stemmer rouge_score uses: Porter (1980) with Martin Porter's later changes and NLTK's own (a table of irregular
/// forms, "ies"/"ied" kept as "ie" in four-letter words, y→i only after a consonant, "alli" handled before the other
/// step-2 rules, "fulli" and "logi" rules, words of one or two letters left alone).
/// </summary>
/// <remarks>
/// Like every suffix rule list in NLTK, the first rule whose suffix matches decides: when its condition fails the word is
/// left as it is, and later rules are not tried.
/// </remarks>
public static class PorterStemmer
{
    private static readonly Dictionary<string, string> IrregularForms = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky", ["skies"] = "sky",
        ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie",
        ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning",
        ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning",
        ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    private static readonly Func<string, int, bool> PositiveMeasure = (word, stem) => Measure(word, stem) > 0;
    private static readonly Func<string, int, bool> MeasureAboveOne = (word, stem) => Measure(word, stem) > 1;

    private static readonly Rule[] Step1aRules = [new("sses", "ss"), new("ies", "i"), new("ss", "ss"), new("s", "")];

    private static readonly Rule[] Step2Rules =
    [
        new("ational", "ate", PositiveMeasure), new("tional", "tion", PositiveMeasure),
        new("enci", "ence", PositiveMeasure), new("anci", "ance", PositiveMeasure),
        new("izer", "ize", PositiveMeasure), new("bli", "ble", PositiveMeasure),
        new("alli", "al", PositiveMeasure), new("entli", "ent", PositiveMeasure),
        new("eli", "e", PositiveMeasure), new("ousli", "ous", PositiveMeasure),
        new("ization", "ize", PositiveMeasure), new("ation", "ate", PositiveMeasure),
        new("ator", "ate", PositiveMeasure), new("alism", "al", PositiveMeasure),
        new("iveness", "ive", PositiveMeasure), new("fulness", "ful", PositiveMeasure),
        new("ousness", "ous", PositiveMeasure), new("aliti", "al", PositiveMeasure),
        new("iviti", "ive", PositiveMeasure), new("biliti", "ble", PositiveMeasure),
        new("fulli", "ful", PositiveMeasure),
        // The l of "logi" stays with the stem when measuring, so that short stems like geo- and theo- qualify.
        new("logi", "log", (word, stem) => Measure(word, stem + 1) > 0),
    ];

    private static readonly Rule[] Step3Rules =
    [
        new("icate", "ic", PositiveMeasure), new("ative", "", PositiveMeasure), new("alize", "al", PositiveMeasure),
        new("iciti", "ic", PositiveMeasure), new("ical", "ic", PositiveMeasure), new("ful", "", PositiveMeasure),
        new("ness", "", PositiveMeasure),
    ];

    private static readonly Rule[] Step4Rules =
    [
        new("al", "", MeasureAboveOne), new("ance", "", MeasureAboveOne), new("ence", "", MeasureAboveOne),
        new("er", "", MeasureAboveOne), new("ic", "", MeasureAboveOne), new("able", "", MeasureAboveOne),
        new("ible", "", MeasureAboveOne), new("ant", "", MeasureAboveOne), new("ement", "", MeasureAboveOne),
        new("ment", "", MeasureAboveOne), new("ent", "", MeasureAboveOne),
        new("ion", "", (word, stem) => Measure(word, stem) > 1 && word[stem - 1] is 's' or 't'),
        new("ou", "", MeasureAboveOne), new("ism", "", MeasureAboveOne), new("ate", "", MeasureAboveOne),
        new("iti", "", MeasureAboveOne), new("ous", "", MeasureAboveOne), new("ive", "", MeasureAboveOne),
        new("ize", "", MeasureAboveOne),
    ];

    /// <summary>
    /// The stem of <paramref name="word"/>, lowercased first as NLTK does (with .NET's simple case mapping, which differs
    /// from Python's <c>str.lower</c> only on İ and a final Σ; rouge_score's tokens are lowercase ASCII already).
    /// </summary>
    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        // NLTK looks the word up before lowercasing it, so "Skies" is stemmed by the rules, not the table.
        if (IrregularForms.TryGetValue(word, out var irregular)) return irregular;
        var lower = word.ToLowerInvariant();
        if (word.Length <= 2) return lower;

        var stem = Step1a(lower);
        stem = Step1b(stem);
        stem = Step1c(stem);
        stem = Step2(stem);
        stem = ApplyFirst(stem, Step3Rules);
        stem = ApplyFirst(stem, Step4Rules);
        stem = Step5a(stem);
        return Step5b(stem);
    }

    private static string Step1a(string word) =>
        word.Length == 4 && word.EndsWith("ies", StringComparison.Ordinal) ? word[..^3] + "ie" : ApplyFirst(word, Step1aRules);

    private static string Step1b(string word)
    {
        if (word.EndsWith("ied", StringComparison.Ordinal)) return word[..^3] + (word.Length == 4 ? "ie" : "i");
        if (word.EndsWith("eed", StringComparison.Ordinal)) return Measure(word, word.Length - 3) > 0 ? word[..^1] : word;

        string stem;
        if (word.EndsWith("ed", StringComparison.Ordinal) && ContainsVowel(word, word.Length - 2)) stem = word[..^2];
        else if (word.EndsWith("ing", StringComparison.Ordinal) && ContainsVowel(word, word.Length - 3)) stem = word[..^3];
        else return word;

        // The e comes back on -at, -bl, -iz so step 4 can see -ate, -ble, -ize; a doubled consonant loses one letter
        // (except l, s, z); a short cvc stem gets its e back (fil(ing) -> file).
        if (stem.EndsWith("at", StringComparison.Ordinal) || stem.EndsWith("bl", StringComparison.Ordinal)
            || stem.EndsWith("iz", StringComparison.Ordinal))
        {
            return stem + "e";
        }

        if (EndsDoubleConsonant(stem)) return stem[^1] is 'l' or 's' or 'z' ? stem : stem[..^1];
        return Measure(stem, stem.Length) == 1 && EndsCvc(stem, stem.Length) ? stem + "e" : stem;
    }

    private static string Step1c(string word)
    {
        if (word[^1] != 'y') return word;
        var stem = word.Length - 1;
        return stem > 1 && IsConsonant(word, stem - 1) ? word[..stem] + "i" : word;
    }

    private static string Step2(string word) =>
        word.EndsWith("alli", StringComparison.Ordinal) && Measure(word, word.Length - 4) > 0
            ? Step2(word[..^4] + "al")
            : ApplyFirst(word, Step2Rules);

    private static string Step5a(string word)
    {
        if (word[^1] != 'e') return word;
        var stem = word.Length - 1;
        var measure = Measure(word, stem);
        return measure > 1 || (measure == 1 && !EndsCvc(word, stem)) ? word[..stem] : word;
    }

    private static string Step5b(string word) =>
        word.EndsWith("ll", StringComparison.Ordinal) && Measure(word, word.Length - 1) > 1 ? word[..^1] : word;

    private static string ApplyFirst(string word, Rule[] rules)
    {
        foreach (var rule in rules)
        {
            if (!word.EndsWith(rule.Suffix, StringComparison.Ordinal)) continue;
            var stem = word.Length - rule.Suffix.Length;
            return rule.Condition is null || rule.Condition(word, stem) ? word[..stem] + rule.Replacement : word;
        }

        return word;
    }

    /// <summary>Whether <c>word[i]</c> is a consonant: not a vowel, and not a y that follows a consonant.</summary>
    private static bool IsConsonant(string word, int i) => word[i] switch
    {
        'a' or 'e' or 'i' or 'o' or 'u' => false,
        'y' => i == 0 || !IsConsonant(word, i - 1),
        _ => true,
    };

    /// <summary>Porter's m of <c>word[..length]</c>: how many vowel-consonant transitions it has.</summary>
    private static int Measure(string word, int length)
    {
        var measure = 0;
        var previousConsonant = true;
        for (var i = 0; i < length; i++)
        {
            var consonant = IsConsonant(word, i);
            if (consonant && !previousConsonant) measure++;
            previousConsonant = consonant;
        }

        return measure;
    }

    private static bool ContainsVowel(string word, int length)
    {
        for (var i = 0; i < length; i++)
        {
            if (!IsConsonant(word, i)) return true;
        }

        return false;
    }

    private static bool EndsDoubleConsonant(string word) =>
        word.Length >= 2 && word[^1] == word[^2] && IsConsonant(word, word.Length - 1);

    /// <summary>Porter's *o for <c>word[..length]</c>: it ends consonant-vowel-consonant, the last not w, x or y (NLTK also counts a two-letter vowel-consonant word).</summary>
    private static bool EndsCvc(string word, int length) =>
        (length >= 3 && IsConsonant(word, length - 3) && !IsConsonant(word, length - 2) && IsConsonant(word, length - 1)
         && word[length - 1] is not ('w' or 'x' or 'y'))
        || (length == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1));

    private readonly record struct Rule(string Suffix, string Replacement, Func<string, int, bool>? Condition = null);
}
