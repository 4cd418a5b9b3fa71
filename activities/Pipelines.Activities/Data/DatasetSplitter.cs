namespace Pipelines.Activities.Data;

/// <summary>
/// Splits examples into train, validation and test by group, so no group (a near-duplicate group, or one example)
/// straddles two splits. Groups are ordered by a hash of the seed and the key of their first example — an order that
/// depends on content and seed, not on file names or reading order — and cut at the fractions of the example count.
/// The same examples and seed always give the same splits, in the same order.
/// </summary>
internal static class DatasetSplitter
{
    public const int Train = 0;
    public const int Validation = 1;
    public const int Test = 2;

    /// <summary>The examples of each split, in output order (shuffled by the seed, group members together).</summary>
    /// <param name="keys">Each example's duplicate key.</param>
    /// <param name="groupOf">Each example's group: the index of the group's first example.</param>
    public static int[][] Split(IReadOnlyList<UInt128> keys, IReadOnlyList<int> groupOf, SplitFractions fractions, int seed)
    {
        var members = new Dictionary<int, List<int>>();
        for (var i = 0; i < groupOf.Count; i++)
        {
            if (!members.TryGetValue(groupOf[i], out var list)) members[groupOf[i]] = list = [];
            list.Add(i);
        }

        var order = members.Keys
            .Select(first => (Rank: StableHash.Combine((ulong)(uint)seed * 0x9e3779b97f4a7c15UL, (ulong)keys[first]), First: first))
            .OrderBy(g => g.Rank).ThenBy(g => g.First)
            .ToList();

        var total = groupOf.Count;
        var trainEnd = (int)Math.Round(fractions.Train * total, MidpointRounding.AwayFromZero);
        var validationEnd = (int)Math.Round((fractions.Train + fractions.Validation) * total, MidpointRounding.AwayFromZero);
        var splits = new[] { new List<int>(), new List<int>(), new List<int>() };
        var position = 0;
        foreach (var (_, first) in order)
        {
            var split = position < trainEnd ? Train : position < validationEnd ? Validation : Test;
            splits[split].AddRange(members[first]);
            position += members[first].Count;
        }

        return splits.Select(s => s.ToArray()).ToArray();
    }
}
