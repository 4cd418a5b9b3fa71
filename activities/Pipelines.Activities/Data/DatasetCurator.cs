using System.Diagnostics;

namespace Pipelines.Activities.Data;

/// <summary>
/// Curation from files to splits, without the runtime: reads the files in parallel (each record through
/// <see cref="RecordProcessor"/>), merges in file order, removes exact duplicates, groups near duplicates
/// (<see cref="MinHashDeduplicator"/>) and splits (<see cref="DatasetSplitter"/>). The result depends only on the
/// files' names and contents and on the settings — never on timing or the number of threads.
/// </summary>
internal sealed class DatasetCurator(CurationSettings settings)
{
    private const int ExamplesPerKind = 3;

    /// <param name="progress">Fraction of the work done, a message, and the documents per second so far.</param>
    public CurationResult Curate(IReadOnlyList<SourceFile> files, Action<double, string, double>? progress, CancellationToken ct)
    {
        var processor = new RecordProcessor(settings);
        var outcomes = new RecordProcessor.Outcome[files.Count];
        var sizes = files.Select(f => new FileInfo(f.Path).Length).ToArray();
        var totalBytes = sizes.Sum();
        long doneBytes = 0, doneRecords = 0, doneFiles = 0, lastReport = 0;
        var clock = Stopwatch.StartNew();

        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var outcome = new RecordProcessor.Outcome();
            foreach (var (raw, isMail) in RecordReader.Read(files[i], sizes[i], ct))
            {
                processor.Process(files[i], raw, isMail, outcome);
            }

            outcomes[i] = outcome;
            var bytes = Interlocked.Add(ref doneBytes, sizes[i]);
            var records = Interlocked.Add(ref doneRecords, outcome.Records);
            var filesDone = Interlocked.Increment(ref doneFiles);
            var now = clock.ElapsedMilliseconds;
            var last = Interlocked.Read(ref lastReport);
            if (progress is not null && now - last >= 250 && Interlocked.CompareExchange(ref lastReport, now, last) == last)
            {
                progress(0.85 * bytes / Math.Max(1, totalBytes), $"read {records:N0} records from {filesDone:N0} of {files.Count:N0} files",
                    records / Math.Max(0.001, clock.Elapsed.TotalSeconds));
            }
        });

        ct.ThrowIfCancellationRequested();
        var examples = new List<CurationExample>();
        var quarantined = new List<QuarantinedRecord>();
        var filtered = settings.Filters.Rules.ToDictionary(r => r, _ => 0, StringComparer.Ordinal);
        var filteredExamples = settings.Filters.Rules.ToDictionary(r => r, _ => new List<FilteredRecord>(), StringComparer.Ordinal);
        var redactions = new int[PiiKinds.All.Count];
        var inputRecords = 0;
        foreach (var outcome in outcomes)
        {
            inputRecords += outcome.Records;
            examples.AddRange(outcome.Examples);
            quarantined.AddRange(outcome.Quarantined);
            foreach (var drop in outcome.Filtered)
            {
                filtered[drop.Rule]++;
                if (filteredExamples[drop.Rule].Count < ExamplesPerKind) filteredExamples[drop.Rule].Add(drop);
            }

            for (var k = 0; k < redactions.Length; k++) redactions[k] += outcome.Redactions[k];
        }

        progress?.Invoke(0.87, $"removing exact duplicates among {examples.Count:N0} records", inputRecords / Math.Max(0.001, clock.Elapsed.TotalSeconds));
        var (unique, exactExamples) = RemoveExactDuplicates(examples);

        progress?.Invoke(0.9, $"grouping near duplicates among {unique.Count:N0} records", inputRecords / Math.Max(0.001, clock.Elapsed.TotalSeconds));
        var groupOf = settings.Hasher is null
            ? Enumerable.Range(0, unique.Count).ToArray()
            : new MinHashDeduplicator(settings.Inputs.NearDuplicates.Permutations, settings.Inputs.NearDuplicates.Bands, settings.Inputs.NearDuplicates.Threshold)
                .Group(unique.Select(e => e.Signature!).ToList(), ct: ct);
        var groups = Enumerable.Range(0, unique.Count).Where(i => groupOf[i] != i).GroupBy(i => groupOf[i])
            .Select(g => (IReadOnlyList<CurationExample>)[unique[g.Key], .. g.Select(i => unique[i])]).ToList();
        var nearDuplicates = groups.Sum(g => g.Count - 1);

        var candidates = unique;
        if (settings.Inputs.NearDuplicates.Action == "remove")
        {
            candidates = Enumerable.Range(0, unique.Count).Where(i => groupOf[i] == i).Select(i => unique[i]).ToList();
            groupOf = Enumerable.Range(0, candidates.Count).ToArray();
        }

        var splits = DatasetSplitter.Split(candidates.Select(e => e.Key).ToList(), groupOf, settings.Inputs.Split, settings.Inputs.Seed);
        return new CurationResult
        {
            Files = files.Count,
            Bytes = totalBytes,
            InputRecords = inputRecords,
            Quarantined = quarantined,
            Filtered = filtered,
            FilteredExamples = filteredExamples.ToDictionary(p => p.Key, p => (IReadOnlyList<FilteredRecord>)p.Value, StringComparer.Ordinal),
            Redacted = settings.Redactor.Kinds.ToDictionary(k => k.Name(), k => redactions[(int)k], StringComparer.Ordinal),
            Kept = examples.Count,
            ExactDuplicates = examples.Count - unique.Count,
            ExactExamples = exactExamples,
            NearDuplicates = nearDuplicates,
            NearGroups = groups.Count,
            NearExamples = groups.OrderByDescending(g => g.Count).Take(ExamplesPerKind).ToList(),
            Splits = splits.Select(indexes => (IReadOnlyList<CurationExample>)indexes.Select(i => candidates[i]).ToList()).ToList(),
        };
    }

    private static (List<CurationExample> Unique, List<(CurationExample, CurationExample)> Examples) RemoveExactDuplicates(List<CurationExample> examples)
    {
        var first = new Dictionary<UInt128, CurationExample>(examples.Count);
        var unique = new List<CurationExample>(examples.Count);
        var shown = new List<(CurationExample, CurationExample)>();
        foreach (var example in examples)
        {
            if (first.TryAdd(example.Key, example))
            {
                unique.Add(example);
            }
            else if (shown.Count < ExamplesPerKind)
            {
                shown.Add((example, first[example.Key]));
            }
        }

        return (unique, shown);
    }
}
