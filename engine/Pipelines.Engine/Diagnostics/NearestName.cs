namespace Pipelines.Diagnostics;

/// <summary>
/// The known names closest to a misspelt one, for "did you mean ...?" hints: those within about one edit per three
/// characters, nearest first, at most <see cref="MaxSuggestions"/>.
/// </summary>
/// <remarks>
/// A file can hold thousands of names (step ids) and thousands of misspellings of them, so one lookup is bounded by
/// itself, not by the size of the file: names are bucketed by length and only buckets within the edit bound are
/// visited, a comparison is one bit-parallel pass over the candidate (<see cref="EditDistance"/>), and a lookup
/// compares at most <see cref="MaxComparisons"/> names (nearest lengths first). Build one <see cref="NearestName"/> per
/// set of names and ask it many times; the static helpers are for the small fixed sets (keys, inputs, outputs). The
/// <see cref="DiagnosticBag"/> asks only for the diagnostics it keeps, so a document pays for 100 lookups at most.
/// </remarks>
public sealed class NearestName
{
    public const int MaxSuggestions = 3;

    public const int MaxComparisons = 2_000;

    /// <summary>No name of the format is longer than 63 characters; longer ones are neither suggested nor looked up.</summary>
    public const int MaxNameLength = EditDistance.MaxPatternLength;

    /// <summary>For tests: names compared by lookups on this thread, to show that the work per lookup is bounded.</summary>
    [ThreadStatic]
    internal static long ComparisonsOnThisThread;

    private readonly List<(string Name, string Lower, int Order)>?[] _byLength = new List<(string, string, int)>?[MaxNameLength + 1];

    public NearestName(IEnumerable<string> names)
    {
        var order = 0;
        foreach (var name in names)
        {
            if (name.Length is 0 or > MaxNameLength) continue;
            (_byLength[name.Length] ??= []).Add((name, name.ToLowerInvariant(), order++));
        }
    }

    /// <summary>
    /// The names nearest to <paramref name="name"/>: one, or up to <see cref="MaxSuggestions"/> when several are equally
    /// near (earliest given first); none when nothing is within the bound.
    /// </summary>
    public IReadOnlyList<string> Find(string name)
    {
        if (name.Length is 0 or > MaxNameLength) return [];
        var distanceFrom = new EditDistance(name.ToLowerInvariant());
        var best = new List<(string Name, int Distance, int Order)>(MaxSuggestions + 1);
        var budget = MaxComparisons;

        // A candidate d characters longer or shorter is at least d edits away; d beyond the bound cannot match.
        for (var delta = 0; delta <= MaxDelta(name.Length) && budget > 0; delta++)
        {
            int[] lengths = delta == 0 ? [name.Length] : [name.Length - delta, name.Length + delta];
            foreach (var length in lengths)
            {
                if (length is < 1 or > MaxNameLength || _byLength[length] is not { } bucket) continue;
                var allowed = Allowed(name.Length, length);
                if (delta > allowed) continue;
                foreach (var (candidate, candidateLower, order) in bucket)
                {
                    if (budget <= 0) break;
                    budget--;
                    ComparisonsOnThisThread++;
                    // Once the list is full, only a candidate as near as its last one can still get in.
                    var bound = best.Count == MaxSuggestions ? Math.Min(allowed, best[^1].Distance) : allowed;
                    var distance = distanceFrom.To(candidateLower);
                    if (distance > bound) continue;
                    best.Add((candidate, distance, order));
                    best.Sort((x, y) => x.Distance != y.Distance ? x.Distance.CompareTo(y.Distance) : x.Order.CompareTo(y.Order));
                    if (best.Count > MaxSuggestions) best.RemoveAt(best.Count - 1);
                }
            }
        }

        return best.Where(b => b.Distance == best[0].Distance).Select(b => b.Name).ToList();
    }

    /// <summary>"did you mean 'x'?" (or "'x', 'y' or 'z'") or null.</summary>
    public string? Hint(string name) => Hint(Find(name));

    /// <summary>The nearest known name, or null; for small sets of names.</summary>
    public static string? Find(string name, IEnumerable<string> candidates) => new NearestName(candidates).Find(name) is [var nearest, ..] ? nearest : null;

    /// <summary>"did you mean ...?" or null; for small sets of names.</summary>
    public static string? Hint(string name, IEnumerable<string> candidates) => new NearestName(candidates).Hint(name);

    private static string? Hint(IReadOnlyList<string> near) => near.Count switch
    {
        0 => null,
        1 => $"did you mean {DiagnosticText.Quote(near[0])}?",
        _ => $"did you mean {string.Join(", ", near.Take(near.Count - 1).Select(DiagnosticText.Quote))} or {DiagnosticText.Quote(near[^1])}?",
    };

    /// <summary>About one edit per three characters of the longer name, and always at least one.</summary>
    private static int Allowed(int length, int candidateLength) => Math.Max(1, Math.Max(length, candidateLength) / 3);

    /// <summary>The largest length difference any candidate can be allowed: d ≤ (length + d) / 3 gives d ≤ length / 2.</summary>
    private static int MaxDelta(int length) => Math.Max(1, length / 2);
}
