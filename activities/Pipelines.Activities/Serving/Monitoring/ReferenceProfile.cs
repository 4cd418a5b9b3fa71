using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelines.Activities.Models;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// What a model's training prompts look like, kept with a served version so live traffic can be compared with it
/// (<see cref="DriftDetector"/>): the prompt length in tokens as shares of decile bins, the token frequency distribution
/// over the most frequent ids plus one "other" bucket, and the share of non-ASCII characters. Built deterministically
/// (ties broken by id), so the same data and tokenizer always give the same JSON.
/// </summary>
/// <remarks>
/// Our byte-level BPE has no unknown token: every text encodes. What stands in for the unknown-token rate is
/// <see cref="UnknownTokenRate"/>, the share of tokens outside the reference's <see cref="TopTokens"/>: traffic whose
/// words the training data used rarely or never raises it.
/// </remarks>
public sealed record ReferenceProfile
{
    /// <summary>How many of the most frequent token ids the distribution keeps by name; the rest share one bucket.</summary>
    public const int DefaultTopTokens = 100;

    /// <summary>How many evenly spaced quantile levels (the midpoints of 100 equal slices) describe prompt length for Wasserstein-1.</summary>
    public const int QuantileLevels = 100;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>How many prompts the profile was made from.</summary>
    public required int Prompts { get; init; }

    /// <summary>
    /// The upper bounds (inclusive) of the prompt length bins, ascending: the reference's deciles, repeated values
    /// merged. Bin i holds lengths in (bound[i−1], bound[i]]; one more bin holds those above the last bound.
    /// </summary>
    public required int[] PromptLengthBounds { get; init; }

    /// <summary>The share of reference prompts in each length bin: one more than <see cref="PromptLengthBounds"/>.</summary>
    public required double[] PromptLengthShares { get; init; }

    /// <summary>Prompt length at the quantile levels (i + ½) / <see cref="QuantileLevels"/>.</summary>
    public required double[] PromptLengthQuantiles { get; init; }

    /// <summary>The most frequent token ids of the prompts, most frequent first (ties: lower id first).</summary>
    public required int[] TopTokens { get; init; }

    /// <summary>The share of prompt tokens that are each of <see cref="TopTokens"/>, then the share of all others.</summary>
    public required double[] TokenShares { get; init; }

    /// <summary>The share of the prompts' characters (UTF-16 code units) outside ASCII.</summary>
    public required double NonAsciiShare { get; init; }

    /// <summary>The share of prompt tokens outside <see cref="TopTokens"/> (see the remarks: our stand-in for unknown tokens).</summary>
    [JsonIgnore]
    public double UnknownTokenRate => TokenShares[^1];

    /// <summary>
    /// The profile of a training dataset (JSONL, as <see cref="TrainingData"/> reads it): each record's prompt, or its
    /// text when it has none, tokenized with the served model's tokenizer.
    /// </summary>
    public static ReferenceProfile FromDataset(string path, TextTokenizer tokenizer, int topTokens = DefaultTopTokens)
    {
        var samples = TrainingData.Records(path).Select(r => LiveSample.Of(r.Prompt ?? r.Completion, tokenizer)).ToList();
        if (samples.Count == 0)
            throw new InvalidDataException($"{path}: the dataset has no records to profile; write one JSON object per line with prompt/completion or text.");
        return Of(samples, topTokens);
    }

    /// <summary>The profile of <paramref name="prompts"/>; there must be at least one, with at least one token among them.</summary>
    public static ReferenceProfile Of(IEnumerable<LiveSample> prompts, int topTokens = DefaultTopTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topTokens, 1);
        var samples = prompts.ToList();
        if (samples.Count == 0 || samples.All(s => s.PromptIds.Length == 0))
            throw new ArgumentException("a reference profile needs at least one prompt with at least one token", nameof(prompts));

        var lengths = samples.Select(s => s.PromptIds.Length).Order().ToArray();
        var bounds = Enumerable.Range(1, 9).Select(k => NearestRank(lengths, k / 10.0)).Distinct().ToArray();
        var top = samples.SelectMany(s => s.PromptIds).CountBy(id => id)
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key).Take(topTokens).Select(c => c.Key).ToArray();
        var partial = new ReferenceProfile
        {
            Prompts = samples.Count, PromptLengthBounds = bounds, PromptLengthShares = [], PromptLengthQuantiles = Quantiles(lengths),
            TopTokens = top, TokenShares = [], NonAsciiShare = NonAsciiShareOf(samples),
        };
        return partial with { PromptLengthShares = partial.LengthShares(samples), TokenShares = partial.TokenSharesOf(samples) };
    }

    /// <summary>The share of <paramref name="samples"/> in each of this profile's prompt length bins.</summary>
    public double[] LengthShares(IReadOnlyCollection<LiveSample> samples)
    {
        var counts = new double[PromptLengthBounds.Length + 1];
        foreach (var sample in samples)
        {
            var bin = Array.BinarySearch(PromptLengthBounds, sample.PromptIds.Length);
            counts[bin >= 0 ? bin : ~bin]++;
        }

        return counts.Select(c => c / samples.Count).ToArray();
    }

    /// <summary>The share of <paramref name="samples"/>' tokens that are each of this profile's <see cref="TopTokens"/>, then of all others.</summary>
    public double[] TokenSharesOf(IReadOnlyCollection<LiveSample> samples)
    {
        var index = TopTokens.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var counts = new double[TopTokens.Length + 1];
        var total = 0;
        foreach (var id in samples.SelectMany(s => s.PromptIds))
        {
            counts[index.GetValueOrDefault(id, TopTokens.Length)]++;
            total++;
        }

        return counts.Select(c => c / total).ToArray();
    }

    /// <summary>Sorted lengths at the levels (i + ½) / <see cref="QuantileLevels"/>, by nearest rank.</summary>
    public static double[] Quantiles(IReadOnlyList<int> sortedLengths) =>
        Enumerable.Range(0, QuantileLevels).Select(i => (double)NearestRank(sortedLengths, (i + 0.5) / QuantileLevels)).ToArray();

    public static double NonAsciiShareOf(IReadOnlyCollection<LiveSample> samples)
    {
        var characters = samples.Sum(s => (long)s.Prompt.Length);
        return characters == 0 ? 0 : (double)samples.Sum(s => s.Prompt.Count(c => c > '\u007f')) / characters;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads <see cref="ToJson"/>'s output; <paramref name="source"/> names the file in errors.</summary>
    public static ReferenceProfile FromJson(string json, string source)
    {
        ReferenceProfile? profile;
        try
        {
            profile = JsonSerializer.Deserialize<ReferenceProfile>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a reference profile ({e.Message.Split(" Path:")[0]}); write it again with ReferenceProfile.ToJson.", e);
        }

        if (profile is null || profile.Prompts < 1 || profile.PromptLengthShares.Length != profile.PromptLengthBounds.Length + 1
            || profile.TokenShares.Length != profile.TopTokens.Length + 1 || profile.PromptLengthQuantiles.Length != QuantileLevels)
            throw new InvalidDataException($"{source}: the reference profile's bins do not match its bounds, tokens or quantiles; build it again from the training data.");
        return profile;
    }

    /// <summary>The value at <paramref name="level"/> (0 to 1) of <paramref name="sorted"/> values, by nearest rank: the ⌈level·n⌉-th.</summary>
    internal static T NearestRank<T>(IReadOnlyList<T> sorted, double level) =>
        sorted[Math.Clamp((int)Math.Ceiling(level * sorted.Count) - 1, 0, sorted.Count - 1)];
}
