using System.Text.Json.Nodes;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Gguf;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Tests.Evaluation;
using Pipelines.Activities.Tests.Models;
using Pipelines.Artifacts;
using Pipelines.Runtime;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Deploy;

/// <summary>model.quantize@1 run by the real runtime on a tiny Llama, its adapter, and a tiny curated dataset folder.</summary>
public sealed class QuantizationActivityTests : IDisposable
{
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Dataset()
    {
        var directory = Path.Join(_folder.Path, "curated");
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Join(directory, "train.jsonl"), EvaluationFixtures.ReversalLines(12, seed: 1));
        File.WriteAllLines(Path.Join(directory, "validation.jsonl"), EvaluationFixtures.ReversalLines(8, seed: 2));
        return directory;
    }

    private string Pipeline(string adapter) => $$$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: quantize-tiny
        steps:
          quantize:
            uses: model.quantize@1
            with:
              model: {{{EvaluationFixtures.TinyLlama}}}
              adapter: {{{adapter}}}
              calibration: {{{Path.Join(Dataset(), "train.jsonl")}}}
              dataset: {{{Path.Join(Dataset(), "validation.jsonl")}}}
              calibration_samples: 12
              quality_samples: 8
              max_length: 32
        """;

    private static long[] Ids => [5, 17, 3, 99, 42, 8, 250, 11];

    private static Tensor Logits(CausalLanguageModel model)
    {
        using var noGrad = no_grad();
        return model.Forward(tensor(Ids, [1, Ids.Length])).detach().clone();
    }

    [Fact]
    public async Task Quantizes_a_model_with_its_adapter_merged_into_every_variant_with_measured_quality()
    {
        await using var engine = await RunEngine.OpenAsync(Path.Combine(_folder.Path, "data"), BuiltInActivities.CreateCatalog());
        var (status, steps) = await PipelineRuns.RunAsync(engine, Pipeline(EvaluationFixtures.TinyAdapter));

        Assert.True(status == RunStatus.Succeeded, string.Join('\n', steps.Select(s => $"{s.StepId}: {s.Error}")));
        var outputs = JsonNode.Parse(steps.Single().Outputs!)!.AsObject();
        string PathOf(JsonNode? reference) => engine.Artifacts.PathOf(ArtifactReference.Parse((string)reference!));

        // The merged model computes what the base with its adapter attached computes.
        using (var withAdapter = ModelUnderTest.Load(EvaluationFixtures.TinyLlama, EvaluationFixtures.TinyAdapter))
        using (var merged = ModelFolder.LoadModel(PathOf(outputs["model"])))
        {
            Assert.True(TinyModels.MaxDifference(Logits(withAdapter.Model), Logits(merged)) < 1e-4);
        }

        var sizes = outputs["sizes"]!;
        double Ratio(string variant) => (double)sizes[variant]!["safetensors"]!["ratio"]!;
        Assert.Equal(1, Ratio("fp32"));
        Assert.InRange(Ratio("int8"), 0.2, 0.5);
        Assert.True(Ratio("int4") < 0.7 * Ratio("int8"), $"int4 {Ratio("int4")}, int8 {Ratio("int8")}");
        Assert.Equal(Ratio("int4"), Ratio("int4-gptq"), 3);

        var quality = outputs["quality"]!;
        double Kl(string variant) => (double)quality[variant]!["mean_kl"]!;
        Assert.Equal(["int8", "int4", "int4-gptq"], quality.AsObject().Select(p => p.Key));
        Assert.True(Kl("int8") > 0 && Kl("int8") < Kl("int4"), $"int8 {Kl("int8")}, int4 {Kl("int4")}");
        Assert.True(Kl("int4-gptq") < Kl("int4"), quality.ToJsonString());
        Assert.True((double)quality["int8"]!["top1_agreement"]! > 0.8, quality.ToJsonString());
        Assert.True((long)outputs["quality_positions"]! > 8 * 5);

        // A quantized folder loads back as the dequantized model: the same logits as the fp32 model with the values applied.
        var int4 = outputs["variants"]!["int4"]!;
        Assert.Contains(int4["files"]!.AsArray(), f => (string)f!["path"]! == "safetensors/model.safetensors");
        using (var loaded = QuantizedCheckpoint.Load(Path.Join(PathOf(int4["folder"]), "safetensors")))
        using (var expected = ModelFolder.LoadModel(PathOf(outputs["model"])))
        {
            QuantizedWeights.Apply(expected, QuantizationVariants.RoundToNearest(expected, QuantizationVariants.Int4));
            Assert.Equal(0, TinyModels.MaxDifference(Logits(expected), Logits(loaded.Model)));
        }

        // Every variant is exported for ONNX Runtime and llama.cpp too, and each loads there.
        foreach (var format in new[] { "onnx", "gguf" })
        {
            double FormatRatio(string variant) => (double)sizes[variant]![format]!["ratio"]!;
            Assert.True(FormatRatio("int4") < FormatRatio("int8") && FormatRatio("int8") < 1, sizes.ToJsonString());
        }

        using (var onnx = OnnxDecoder.Open(Path.Join(PathOf(int4["folder"]), "onnx")))
        {
            Assert.Equal(8, onnx.Generate([5, 17, 3], 8).Length);
        }

        Assert.Contains(int4["files"]!.AsArray(), f => (string)f!["path"]! == "gguf/model-q4_0.gguf");
        using (var gguf = LlamaCppModel.Load(Path.Join(PathOf(int4["folder"]), "gguf", "model-q4_0.gguf")))
        {
            Assert.Equal(8, gguf.GenerateGreedy([5, 17, 3], 8).Length);
        }

        var report = File.ReadAllText(PathOf(outputs["report"]));
        Assert.Contains("<svg", report);
        Assert.Contains("int4-gptq", report);
    }

    [Fact]
    public async Task An_adapter_trained_for_another_model_fails_with_an_error_naming_it()
    {
        var other = Path.Join(_folder.Path, "gpt2-adapter");
        var (model, _) = ModelPresets.Create("gpt2", "tiny", seed: 1);
        using (model)
        {
            PeftAdapter.Save(LoraInjection.Apply(model, new LoraSettings { Rank = 2, Alpha = 4 }), other);
        }

        await using var engine = await RunEngine.OpenAsync(Path.Combine(_folder.Path, "data"), BuiltInActivities.CreateCatalog());
        var (status, steps) = await PipelineRuns.RunAsync(engine, Pipeline(other));

        Assert.Equal(RunStatus.Failed, status);
        Assert.Contains($"adapter {other} does not fit model {EvaluationFixtures.TinyLlama}", steps.Single().Error);
    }
}
