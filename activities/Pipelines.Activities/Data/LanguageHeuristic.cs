using System.Collections.Frozen;

namespace Pipelines.Activities.Data;

/// <summary>
/// Guesses a text's language from its most common function words: for each known language, the share of the text's
/// words that are among that language's commonest words. The language with the highest share wins if the share is at
/// least <see cref="MinShare"/> and the text is mostly in Latin letters; otherwise the language is unknown.
/// </summary>
internal static class LanguageHeuristic
{
    /// <summary>Ordinary prose in a language has 30-50% of these words; lists of names or numbers have almost none.</summary>
    public const double MinShare = 0.08;

    private static readonly (string Language, FrozenSet<string> Words)[] Languages =
    [
        ("en", Set("the of and to a in is it you that he was for on are with as i his they be at one have this from or had by not but what some we can out other were all there when up use your how said an each she which do their if will way about many then them would like so these her see him has more could go come did my no get me our also just been who its should may any those than only into over such here")),
        ("de", Set("der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei ich wir ihr uns mich dich")),
        ("fr", Set("le de un être et à il avoir ne je son que se qui ce dans en du elle au pour pas vous par sur faire plus dire me on mon lui nous comme mais pouvoir avec tout y aller voir bien où sans tu ou leur homme si deux mari moi vouloir te femme venir quand grand celui notre devoir là jour prendre même votre les des est une sont cette")),
        ("es", Set("el la de que y a en un ser se no haber por con su para como estar tener le lo todo pero más hacer o poder decir este ir otro ese si me ya ver porque dar cuando muy sin vez mucho saber qué sobre mi alguno mismo yo también hasta año dos querer entre así los las del es una")),
        ("it", Set("il di che è e la per un in non una sono mi si ho lo ma ti ha le cosa con se io da come questo bene qui tu del mio della al no più sei lei gli anche era dei alla suo ci ne nel molto questa fare solo mia nella stato hai quando tutto detto")),
        ("nl", Set("de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen toen moet ben zonder kan")),
        ("pt", Set("o de a e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos ter seus quem nas me esse eles estão você tinha foram essa num nem suas meu às minha têm numa pelos")),
    ];

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>>[] Lookups =
        Languages.Select(l => l.Words.GetAlternateLookup<ReadOnlySpan<char>>()).ToArray();

    // Function words are short: longer words cannot be one, and need no lookup.
    private static readonly int LongestWord = Languages.Max(l => l.Words.Max(w => w.Length));

    public static IReadOnlyList<string> Known { get; } = Languages.Select(l => l.Language).ToArray();

    /// <summary>The likely language of <paramref name="text"/>, or null when no known language is likely.</summary>
    public static string? Detect(ReadOnlySpan<char> text)
    {
        Span<int> hits = stackalloc int[Languages.Length];
        var words = 0;
        var lookups = Lookups;
        Span<char> lower = stackalloc char[LongestWord];
        foreach (var word in new WordEnumerator(text))
        {
            if (++words > 2000) break; // enough evidence; long texts cost no more
            if (word.Length > lower.Length) continue;
            var folded = lower[..word.ToLowerInvariant(lower)];
            for (var l = 0; l < lookups.Length; l++)
            {
                if (lookups[l].Contains(folded)) hits[l]++;
            }
        }

        words = Math.Min(words, 2000);
        if (words == 0 || !MostlyLatin(text[..Math.Min(text.Length, 16_000)])) return null;
        var best = 0;
        for (var l = 1; l < hits.Length; l++)
        {
            if (hits[l] > hits[best]) best = l;
        }

        return (double)hits[best] / words >= MinShare ? Languages[best].Language : null;
    }

    private static bool MostlyLatin(ReadOnlySpan<char> text)
    {
        int letters = 0, latin = 0;
        foreach (var c in text)
        {
            if (!char.IsLetter(c)) continue;
            letters++;
            if (c < '\u0250') latin++; // Basic Latin through Latin Extended-B
        }

        return letters > 0 && latin * 2 > letters;
    }

    private static FrozenSet<string> Set(string words) => words.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);
}
