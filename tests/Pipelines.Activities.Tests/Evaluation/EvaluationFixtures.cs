using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Evaluation;

/// <summary>Data and models the evaluation tests share: reversal records, and a tiny Llama written once as a model folder.</summary>
internal static class EvaluationFixtures
{
    private static readonly Lazy<string> TinyLlamaFolder = new(() =>
    {
        var directory = Shared("tiny-llama");
        var (model, tokenizer) = ModelPresets.Create("llama", "tiny", seed: 1);
        using (model) ModelFolder.Save(model, tokenizer, directory);
        return directory;
    });

    private static readonly Lazy<string> TinyAdapterFolder = new(() =>
    {
        var directory = Shared("tiny-adapter");
        using var model = ModelFolder.LoadModel(TinyLlama);
        using var generator = new Generator(9, CPU);
        var lora = LoraInjection.Apply(model, new LoraSettings { Rank = 4, Alpha = 8, TargetModules = JsonValue.Create("all-linear") }, generator);
        // A fresh adapter's B is zero and changes nothing; random B makes it change what the model generates.
        using (no_grad())
        {
            foreach (var (_, layer) in lora.Layers) layer.B.weight.normal_(0, 0.5, generator);
        }

        PeftAdapter.Save(lora, directory);
        return directory;
    });

    /// <summary>A tiny Llama (random weights, the preset's learned tokenizer) as a Hugging Face folder; shared, never written to.</summary>
    public static string TinyLlama => TinyLlamaFolder.Value;

    /// <summary>A LoRA adapter for <see cref="TinyLlama"/> with random weights (PEFT format); shared, never written to.</summary>
    public static string TinyAdapter => TinyAdapterFolder.Value;

    /// <summary>
    /// A folder for this test process's shared fixtures. The test host is stopped without running exit handlers, so
    /// nothing removes it at the end; instead each process removes the folders earlier ones left over an hour ago.
    /// </summary>
    private static string Shared(string name)
    {
        var root = Path.Join(Path.GetTempPath(), "pipelines-eval-fixtures");
        Directory.CreateDirectory(root);
        foreach (var old in new DirectoryInfo(root).EnumerateDirectories().Where(d => d.LastWriteTimeUtc < TimeProvider.System.GetUtcNow().UtcDateTime.AddHours(-1)))
        {
            try
            {
                old.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Another test process is removing it too.
            }
        }

        return Directory.CreateDirectory(Path.Join(root, $"{Environment.ProcessId}-{Guid.NewGuid():N}", name)).FullName;
    }

    /// <summary><paramref name="count"/> {prompt: "reverse abc =", completion: " cba"} lines drawn from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<string> ReversalLines(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var word = new string(Enumerable.Range(0, random.Next(3, 7)).Select(_ => (char)('a' + random.Next(6))).ToArray());
            return Line(new() { ["prompt"] = $"reverse {word} =", ["completion"] = " " + new string(word.Reverse().ToArray()) });
        }).ToList();
    }

    public static string Line(Dictionary<string, string> fields) => JsonSerializer.Serialize(fields);

    public static EvaluationRecord Record(int line, string prompt, string reference) =>
        new(line, prompt, reference, new Dictionary<string, string> { ["prompt"] = prompt, ["completion"] = reference });
}

/// <summary>A temporary folder removed at the end of a test.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pipelines-eval-test-").FullName;

    public string Write(string name, IEnumerable<string> lines)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
