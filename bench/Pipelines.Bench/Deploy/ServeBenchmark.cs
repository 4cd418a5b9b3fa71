using System.Globalization;
using Pipelines.Activities.Data;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Gguf;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Serving.OpenAi;
using Pipelines.Artifacts;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Registry;

namespace Pipelines.Bench.Deploy;

/// <summary>
/// <c>-- serve [--data DIR --model NAME@ALIAS | --preset mini|small|base [--variant fp32]] [--streams 1,4,16] [--tokens 128] [--requests 8] [--rounds 2] [--llama-threads 1,N]</c>:
/// issue 15's serving figures through the real server. <c>bin/pipelines serve</c> runs as a child process over a copy
/// of the data directory (or, without <c>--data</c>, over a new one where a random-weights Llama of <c>--preset</c>'s
/// size (<see cref="BenchModels"/>) is registered as <c>bench@production</c> with int8 and fp32 exports, int8 served unless <c>--variant</c> says:
/// it rarely emits its end token, so answers are about <c>--tokens</c> long), and this process loads it over loopback
/// with streamed completions:
/// <list type="number">
/// <item>tokens/s, TTFT and TPOT at each stream count, monitoring off (<c>Serving:SampleRate=0</c>);</item>
/// <item>monitoring's cost: the largest stream count with <c>SampleRate=1</c> and <c>0</c> alternately, a fresh server each;</item>
/// <item>llama.cpp on the same version's Q8_0 GGUF with the same prompts and at most as many tokens, in process, one
/// sequence per stream, at each of <c>--llama-threads</c> (1 and the cores): the faster counts.</item>
/// </list>
/// </summary>
public static class ServeBenchmark
{
    private const string Words = "hi team the quarterly numbers are in and revenue grew in every region except the north where two "
        + "large accounts moved their renewals to next month please review the attached slides before thursday so we can agree "
        + "on the forecast and the hiring plan also the office will be closed on friday for maintenance of the heating system "
        + "remember to submit your expenses by the end of the week thanks for all the hard work on the launch";

    public static int Run(string[] args) => RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Number(string name, int fallback) => Arg(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
        var streams = (Arg("--streams") ?? "1,4,16").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var tokens = Number("--tokens", 128);
        var requests = Number("--requests", 8);
        var rounds = Number("--rounds", 2);
        if (rounds < 1) throw new ArgumentException("--rounds must be 1 or more: each round runs monitoring on and off once");
        var llamaThreads = (Arg("--llama-threads") ?? $"1,{Environment.ProcessorCount}").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Distinct().ToList();
        var work = Directory.CreateTempSubdirectory("pipelines-serve-").FullName;
        try
        {
            var data = Path.Join(work, "data");
            string model;
            if (Arg("--data") is { } source)
            {
                CopyFolder(source, data);
                model = Arg("--model") ?? throw new ArgumentException("serve with --data needs --model NAME@ALIAS");
            }
            else
            {
                model = await RegisterRandomAsync(Arg("--preset") ?? "mini", Path.Join(work, "random"), data, ct) + (Arg("--variant") is { } served ? $"#{served}" : "");
            }

            var variant = await VariantFolderAsync(data, model, null, ct);
            var tokenizer = TextTokenizer.Load(Path.Join(variant, "onnx"));
            var prompts = Enumerable.Range(0, 32).Select(Prompt).ToList();
            var lengths = prompts.Select(p => TextGenerator.PromptIds(tokenizer, p).Length).ToList();
            Console.WriteLine($"model: {model} ({variant}); prompts of {lengths.Min()} to {lengths.Max()} tokens; max_tokens {tokens}, temperature 0; "
                + $"{requests} requests per stream, one after another; {Environment.ProcessorCount} cores, load average {BenchMachine.Load()}");

            // 1. The concurrency sweep, monitoring off.
            var log = Path.Join(work, "serve.log");
            var sweep = new List<StreamedLoadResult>();
            await using (var server = await StartAsync(data, model, sampleRate: 0, log, ct))
            {
                foreach (var n in streams)
                {
                    var result = await DriveAsync(server, model, prompts, n, requests, tokens, ct);
                    sweep.Add(result);
                    Console.WriteLine(Line(result));
                }
            }

            // 2. Monitoring's cost at the most streams: a fresh server per run, on and off alternately so drift cancels.
            var most = streams.Max();
            var monitored = new Dictionary<int, List<double>> { [1] = [], [0] = [] };
            StreamedLoadResult? sampled = null;
            for (var round = 0; round < rounds; round++)
            {
                foreach (var rate in round % 2 == 0 ? new[] { 1, 0 } : [0, 1])
                {
                    await using var server = await StartAsync(data, model, rate, log, ct);
                    var result = await DriveAsync(server, model, prompts, most, requests, tokens, ct);
                    monitored[rate].Add(result.TokensPerSecond);
                    if (rate == 1) sampled = result;
                    Console.WriteLine($"SampleRate={rate}: {Line(result)}");
                }
            }

            // What sampling adds per request, without the noise of whole runs: redacting its prompt and answer.
            var redaction = RedactionSeconds(sampled!);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"redacting the {sampled!.Completions.Count} sampled prompts and answers of a SampleRate=1 run: {redaction * 1000:0.0} ms, {redaction / sampled.Seconds * 100:0.00}% of that run's {sampled.Seconds:0.0} s"));

            // 3. llama.cpp on the same version's Q8_0 GGUF: the same prompts per round as the streams sent, in process.
            var int8 = await VariantFolderAsync(data, model, QuantizationVariants.Int8, ct);
            var gguf = Directory.GetFiles(Path.Join(int8, "gguf"), "*.gguf").Order().FirstOrDefault(f => f.Contains("q8_0", StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"{int8} holds no Q8_0 GGUF (gguf/*q8_0*.gguf)");
            var llama = new Dictionary<int, LlamaCppBatchResult>();
            foreach (var n in new[] { 1, most }.Distinct())
            {
                var batches = Enumerable.Range(0, requests)
                    .Select(r => Enumerable.Range(0, n).Select(s => TextGenerator.PromptIds(tokenizer, prompts[(s * requests + r) % prompts.Count])).ToArray()).ToList();
                foreach (var threads in llamaThreads)
                {
                    var result = LlamaCppBatchBenchmark.Measure(gguf, batches, tokens, tokenizer.EosId, threads);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"llama.cpp Q8_0, {n,2} sequences in one context, {threads} thread(s), in process: {result.TokensPerSecond,6:0} tokens/s ({result.Tokens} tokens, {result.Seconds:0.0} s)"));
                    if (!llama.TryGetValue(n, out var best) || result.TokensPerSecond > best.TokensPerSecond) llama[n] = result;
                }
            }

            Console.WriteLine($"load average at the end {BenchMachine.Load()}");
            var one = sweep.First(r => r.Streams == streams.Min());
            var top = sweep.First(r => r.Streams == most);
            var on = monitored[1].Average();
            var off = monitored[0].Average();
            // llama.cpp's best way to answer the same clients: batched, or one at a time when batching does not pay for it.
            var llamaBest = llama.Values.Max(r => r.TokensPerSecond);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"serve: {most} streams {top.TokensPerSecond / one.TokensPerSecond:0.00}x {streams.Min()} stream(s); {top.TokensPerSecond / llama[most].TokensPerSecond:0.00}x llama.cpp Q8_0 at {most} "
                + $"({top.TokensPerSecond / llamaBest:0.00}x its best); "
                + $"monitoring on {on / off * 100:0.0}% of off ({on:0} / {off:0} tokens/s over {rounds} runs each)"));
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The load, with the CPU time the server used meanwhile.</summary>
    private static async Task<StreamedLoadResult> DriveAsync(ServeProcess server, string model, IReadOnlyList<string> prompts, int streams, int requests, int tokens, CancellationToken ct)
    {
        var cpu = server.CpuTime;
        var result = await StreamedLoad.DriveAsync(server.Client, model, prompts, streams, requests, tokens, ct);
        return result with { ServerCpuSeconds = (server.CpuTime - cpu).TotalSeconds };
    }

    private static Task<ServeProcess> StartAsync(string data, string model, int sampleRate, string log, CancellationToken ct) =>
        WarmedUpAsync(ServeProcess.StartAsync(data, model, new Dictionary<string, string> { ["SampleRate"] = sampleRate.ToString(CultureInfo.InvariantCulture) }, log, ct), model, ct);

    /// <summary>Sixteen streams of two short requests, so the JIT, ONNX Runtime's buffers and the connections are warm before anything is timed.</summary>
    private static async Task<ServeProcess> WarmedUpAsync(Task<ServeProcess> starting, string model, CancellationToken ct)
    {
        var server = await starting;
        await StreamedLoad.DriveAsync(server.Client, model, [Prompt(0), Prompt(7)], streams: 16, requestsPerStream: 2, maxTokens: 32, ct);
        return server;
    }

    /// <summary>Seconds the request recorder's redactor takes over every prompt and answer of <paramref name="run"/> (after one warm-up pass).</summary>
    private static double RedactionSeconds(StreamedLoadResult run)
    {
        var redactor = new PiiRedactor(PiiKinds.All);
        var counts = new int[PiiKinds.All.Count];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var pass = 0; pass < 2; pass++)
        {
            clock.Restart();
            foreach (var c in run.Completions)
            {
                redactor.Redact(c.Prompt, counts);
                redactor.Redact(c.Text, counts);
            }
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static string Line(StreamedLoadResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Streams,2} streams: {r.TokensPerSecond,6:0} tokens/s ({r.Tokens} tokens, {r.Completions.Count} requests, {r.Tokens / (double)r.Completions.Count:0.0} tokens each in {r.Completions.Sum(c => c.TextChunks) / (double)r.Completions.Count:0.0} text chunks, {r.Seconds:0.0} s); "
        + $"TTFT p50 {r.TimeToFirstToken(0.5) * 1000:0} ms p99 {r.TimeToFirstToken(0.99) * 1000:0} ms; TPOT p50 {r.TimePerOutputToken(0.5) * 1000:0.0} ms p99 {r.TimePerOutputToken(0.99) * 1000:0.0} ms; "
        + $"cores busy: server {r.ServerCpuSeconds / r.Seconds:0.00}, this client {r.ClientCpuSeconds / r.Seconds:0.00}");

    /// <summary>The <paramref name="index"/>th prompt: the flagship's prompt around 4 to 58 words of a mail, lengths spread by a stride.</summary>
    private static string Prompt(int index)
    {
        var words = Words.Split(' ');
        var count = 4 + index * 13 % 55;
        return $"Write a subject line for this email.\n\n{string.Join(' ', Enumerable.Range(index * 5, count).Select(i => words[i % words.Length]))}\n\nSubject:\n";
    }

    /// <summary>A random-weights Llama of <paramref name="preset"/>'s size exported as model.quantize lays out its variants (<c>int8/onnx</c>, <c>int8/gguf</c>, <c>fp32/onnx</c>), registered as <c>bench@production</c>.</summary>
    private static async Task<string> RegisterRandomAsync(string preset, string folder, string data, CancellationToken ct)
    {
        Pipelines.Activities.Torch.TorchNative.EnsureLoaded();
        var int8 = Path.Join(folder, QuantizationVariants.Int8);
        var fp32 = Path.Join(folder, QuantizationVariants.Fp32);
        var (model, tokenizer) = BenchModels.Create(preset);
        using (model)
        {
            var quantized = QuantizationVariants.RoundToNearest(model, QuantizationVariants.Int8);
            OnnxExport.Write(model, tokenizer, quantized, Path.Join(int8, "onnx"));
            Directory.CreateDirectory(Path.Join(int8, "gguf"));
            GgufExport.Write(model, tokenizer, GgufType.Q8_0, quantized, Path.Join(int8, "gguf", "model-q8_0.gguf"));
            OnnxExport.Write(model, tokenizer, null, Path.Join(fp32, "onnx"));
        }

        Directory.CreateDirectory(data);
        var registry = new SqlModelRegistry(new SqliteDialect(await SqliteDatabase.OpenAsync(data, ct)));
        var version = await registry.RegisterAsync("bench", new ModelVersionDraft
        {
            Source = int8,
            Variant = QuantizationVariants.Int8,
            Variants = new Dictionary<string, string> { [QuantizationVariants.Int8] = int8, [QuantizationVariants.Fp32] = fp32 },
        }, ct);
        await registry.MoveAliasAsync("bench", "production", version.Version, "bench", "serve benchmark", ct);
        return "bench@production";
    }

    /// <summary>The folder of <paramref name="variant"/> of the version <paramref name="model"/> names, or of the variant <c>serve</c> picks (the one named, else int8, else fp32).</summary>
    private static async Task<string> VariantFolderAsync(string data, string model, string? variant, CancellationToken ct)
    {
        var database = await SqliteDatabase.OpenAsync(data, ct);
        var reference = RegistryReference.ParseShort(model);
        var version = await reference.ResolveAsync(new SqlModelRegistry(new SqliteDialect(database)), ct);
        var source = (reference with { Variant = variant ?? reference.Variant ?? ServedModels.PreferredVariants.First(version.Variants.ContainsKey) }).SourceIn(version);
        return ArtifactReference.TryParse(source, out var artifact) ? new ArtifactStore(new SqlArtifactIndex(new SqliteDialect(database)), data).PathOf(artifact) : source;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Join(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
