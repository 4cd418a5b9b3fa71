using System.Diagnostics;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Diagnostics;
using Pipelines.Yaml;
using YamlDotNet.RepresentationModel;

namespace Pipelines.Bench;

/// <summary>
/// What full validation costs, measured against YamlDotNet's own representation model on the same documents in the
/// same process: (a) our located reader vs <see cref="YamlStream.Load"/> (parsing alone), (b) the whole loader
/// (parse, shape, activities, types, expressions, references, cycles) vs the same bare parse.
/// </summary>
public static class ValidationBenchmark
{
    public static void Run(string[] args)
    {
        var root = BenchMachine.Checkout();
        // `validate [SECONDS] [--steps N]`: the examples in pipelines/, or the designer benchmark's pipeline of N steps.
        var steps = Array.IndexOf(args, "--steps") is var at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var files = steps > 0 ? [$"the designer benchmark's {steps} steps"] : Directory.GetFiles(Path.Combine(root, "pipelines"), "*.yaml").Order().ToArray();
        var texts = steps > 0 ? [DesignerBenchmark.Pipeline(steps)] : files.Select(File.ReadAllText).ToArray();
        var catalog = BuiltInActivities.CreateCatalog();
        var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3.0;

        // Warm up every path (JIT, regexes, Jint's parser) before timing.
        Measure(texts, 0.5, ParseWithYamlDotNet);
        Measure(texts, 0.5, ParseWithOurReader);
        Measure(texts, 0.5, t => Load(t, catalog));

        // Interleave the rounds so that machine noise hits every contender alike.
        double baseline = 0, reader = 0, full = 0;
        for (var round = 0; round < 3; round++)
        {
            baseline += Measure(texts, seconds / 3, ParseWithYamlDotNet);
            reader += Measure(texts, seconds / 3, ParseWithOurReader);
            full += Measure(texts, seconds / 3, t => Load(t, catalog));
        }

        baseline /= 3;
        reader /= 3;
        full /= 3;
        Console.WriteLine($"documents: {string.Join(", ", files.Select(Path.GetFileName))} ({texts.Sum(t => t.Length):N0} chars)");
        Console.WriteLine($"yamldotnet representation model: {baseline:N0} docs/s");
        Console.WriteLine($"our located reader:              {reader:N0} docs/s");
        Console.WriteLine($"full validation:                 {full:N0} docs/s");
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        foreach (var text in texts) Load(text, catalog);
        Console.WriteLine($"full validation allocates {(GC.GetAllocatedBytesForCurrentThread() - allocated) / 1024.0 / texts.Length:N0} KiB per document");
        Console.WriteLine($"validate yamldotnet_load={baseline:F0} reader={reader:F0} full={full:F0} reader_ratio={reader / baseline:F2} full_ratio={full / baseline:F2}");
    }

    private static void ParseWithYamlDotNet(string text) => new YamlStream().Load(new StringReader(text));

    private static void ParseWithOurReader(string text) => YamlReader.Read("bench.yaml", text, new DiagnosticBag());

    private static void Load(string text, ActivityCatalog catalog)
    {
        if (!PipelineLoader.Load("bench.yaml", text, catalog).Succeeded) throw new InvalidOperationException("an example no longer validates");
    }

    /// <summary>Documents per second over about <paramref name="seconds"/> of work.</summary>
    private static double Measure(string[] texts, double seconds, Action<string> work)
    {
        var clock = Stopwatch.StartNew();
        long documents = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            foreach (var text in texts) work(text);
            documents += texts.Length;
        }

        return documents / clock.Elapsed.TotalSeconds;
    }
}
