using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

public sealed class DeduplicationTests
{
    private static readonly string[] Vocabulary = Enumerable.Range(0, 5000).Select(i => $"w{i}").ToArray();

    /// <summary>A document of <paramref name="length"/> random words.</summary>
    private static List<string> Document(Random random, int length) => Enumerable.Range(0, length).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]).ToList();

    /// <summary>A copy of <paramref name="words"/> with <paramref name="count"/> words replaced, spread evenly.</summary>
    private static List<string> Replace(List<string> words, int count)
    {
        var copy = words.ToList();
        for (var i = 0; i < count; i++) copy[(i * 2 + 1) * copy.Count / (count * 2)] = $"edited{i}";
        return copy;
    }

    /// <summary>A copy of <paramref name="words"/> with a share of its words replaced.</summary>
    private static List<string> Edit(Random random, List<string> words, double share)
    {
        var copy = words.ToList();
        for (var i = 0; i < copy.Count; i++)
        {
            if (random.NextDouble() < share) copy[i] = Vocabulary[random.Next(Vocabulary.Length)];
        }

        return copy;
    }

    [Fact]
    public void Minhash_estimates_exact_jaccard_on_synthetic_documents()
    {
        var random = new Random(7);
        var hasher = new MinHasher(permutations: 256, shingleSize: 3);
        var errors = new List<double>();
        foreach (var share in new[] { 0.0, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.0 })
        {
            for (var trial = 0; trial < 10; trial++)
            {
                var a = string.Join(' ', Document(random, 300));
                var b = string.Join(' ', Edit(random, a.Split(' ').ToList(), share));
                var exact = MinHasher.Jaccard(MinHasher.ShingleSet(a, 3), MinHasher.ShingleSet(b, 3));
                var estimate = MinHasher.Similarity(hasher.Signature(a), hasher.Signature(b));
                errors.Add(Math.Abs(exact - estimate));
            }
        }

        // The estimator's standard error is at most sqrt(0.25 / 256) = 0.031; allow a little over three of them.
        Assert.True(errors.Max() < 0.11, $"largest error {errors.Max():0.000}");
        Assert.True(errors.Average() < 0.03, $"mean error {errors.Average():0.000}");
    }

    [Fact]
    public void Identical_documents_have_identical_signatures_whatever_the_case_and_punctuation()
    {
        var hasher = new MinHasher(128, 5);

        Assert.Equal(hasher.Signature("Hello, World! This is the same text."), hasher.Signature("hello world -- this IS the same text"));
    }

    [Fact]
    public void Lsh_groups_edited_copies_and_leaves_unrelated_documents_alone()
    {
        var random = new Random(11);
        var hasher = new MinHasher(128, 5);
        var original = Document(random, 400);
        var documents = new List<string>
        {
            string.Join(' ', original),
            string.Join(' ', Document(random, 400)),
            string.Join(' ', Replace(original, 2)), // exact Jaccard 0.95
            string.Join(' ', Document(random, 400)),
            string.Join(' ', Replace(original, 40)), // exact Jaccard about 0.35
        };

        Assert.InRange(MinHasher.Jaccard(MinHasher.ShingleSet(documents[0], 5), MinHasher.ShingleSet(documents[2], 5)), 0.9, 0.99);
        var groups = new MinHashDeduplicator(128, 16, 0.8).Group(documents.Select(d => hasher.Signature(d)).ToList());

        Assert.Equal([0, 1, 0, 3, 4], groups);
    }

    [Fact]
    public void Bands_must_divide_permutations()
    {
        Assert.Throws<ArgumentException>(() => new MinHashDeduplicator(128, 10, 0.8));
    }

    [Fact]
    public void Exact_duplicate_keys_ignore_case_punctuation_and_spacing_but_not_words()
    {
        var key = RecordProcessor.Key("Hello,   World!\nHow are you?", "Greeting");

        Assert.Equal(key, RecordProcessor.Key("hello world how are you", "greeting"));
        Assert.NotEqual(key, RecordProcessor.Key("hello world how are you", "greetings"));
        Assert.NotEqual(key, RecordProcessor.Key("hello world how are", "you greeting"));
    }
}
