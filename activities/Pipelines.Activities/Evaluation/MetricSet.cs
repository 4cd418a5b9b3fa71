namespace Pipelines.Activities.Evaluation;

/// <summary>
/// Which metrics an evaluation computes. Requested by group (<c>rouge</c>, <c>bleu</c>, <c>chrf</c>,
/// <c>exact_match</c>, <c>perplexity</c>, <c>length</c>) or by any name a group reports (<c>rougeL</c> asks for
/// rouge); the names are the keys of the flat metrics map.
/// </summary>
public sealed class MetricSet
{
    public const string Rouge = "rouge";
    public const string Bleu = "bleu";
    public const string Chrf = "chrf";
    public const string ExactMatch = "exact_match";
    public const string Perplexity = "perplexity";
    public const string Length = "length";

    private static readonly (string Group, string[] Names)[] Catalog =
    [
        (Rouge, ["rouge1", "rouge2", "rougeL", "rougeLsum"]),
        (Bleu, ["bleu"]),
        (Chrf, ["chrf"]),
        (ExactMatch, ["exact_match"]),
        (Perplexity, ["perplexity"]),
        (Length, ["avg_length", "length_ratio"]),
    ];

    private readonly HashSet<string> _groups;

    private MetricSet(IEnumerable<string> groups) => _groups = [.. groups];

    /// <summary>Every group, in the order metrics are reported.</summary>
    public static IReadOnlyList<string> AllGroups { get; } = Catalog.Select(c => c.Group).ToArray();

    /// <summary>Every metric name, in the order metrics are reported.</summary>
    public static IReadOnlyList<string> AllNames { get; } = Catalog.SelectMany(c => c.Names).ToArray();

    /// <summary>The names one template or model can be ranked by: every metric but the lengths, which have no better direction.</summary>
    public static IReadOnlyList<string> RankableNames { get; } = AllNames.Where(n => GroupOf(n) != Length).ToArray();

    public static MetricSet All { get; } = new(AllGroups);

    /// <summary>The set of the groups and names in <paramref name="requested"/>.</summary>
    /// <exception cref="ArgumentException">A name is neither a group nor a metric; the message lists the known ones.</exception>
    public static MetricSet Parse(IEnumerable<string> requested)
    {
        var groups = new List<string>();
        foreach (var name in requested)
        {
            groups.Add(GroupOf(name) ?? throw new ArgumentException(
                $"unknown metric '{name}'; use any of {string.Join(", ", AllGroups)} (or a single metric: {string.Join(", ", AllNames.Except(AllGroups))})"));
        }

        if (groups.Count == 0) throw new ArgumentException($"no metrics requested; use any of {string.Join(", ", AllGroups)}");
        return new MetricSet(groups);
    }

    /// <summary>The group a group or metric name belongs to; null when it is neither.</summary>
    public static string? GroupOf(string name) =>
        Catalog.FirstOrDefault(c => c.Group == name || c.Names.Contains(name)).Group;

    /// <summary>Lower values are better (perplexity); for every other rankable metric higher is better.</summary>
    public static bool LowerIsBetter(string name) => name == Perplexity;

    public bool Has(string group) => _groups.Contains(group);

    /// <summary>This set with <paramref name="name"/>'s group added.</summary>
    public MetricSet With(string name) => new(_groups.Append(GroupOf(name) ?? throw new ArgumentException($"unknown metric '{name}'")));

    /// <summary>The groups in this set, in reporting order.</summary>
    public IReadOnlyList<string> Groups => AllGroups.Where(_groups.Contains).ToArray();

    /// <summary>The metric names this set reports, in reporting order.</summary>
    public IReadOnlyList<string> Names => Catalog.Where(c => _groups.Contains(c.Group)).SelectMany(c => c.Names).ToArray();

    public override string ToString() => string.Join(", ", Groups);
}
