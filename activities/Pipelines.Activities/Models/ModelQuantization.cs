using System.Globalization;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Torch;
using Pipelines.Activities.Training;
using Pipelines.Artifacts;

namespace Pipelines.Activities.Models;

/// <summary>
/// <c>model.quantize</c>: merges an adapter into its base, makes the fp32 variant and the quantized ones asked for
/// (int8 and int4 rounded to nearest, int4 by GPTQ calibrated on training records), measures each against fp32 on
/// held-out records (perplexity, KL, top-1 agreement: quality is measured, never assumed), exports every variant for
/// ONNX Runtime, llama.cpp and our own runtime, and reports size against quality. Deterministic, so its steps are cached.
/// </summary>
[Activity("model.quantize", Version = 1, Category = "Models",
    Description = "Quantizes a model (with its LoRA adapter merged) to int8 and int4 (round-to-nearest and GPTQ), measures perplexity, KL and top-1 agreement of each variant against fp32 on held-out data, and writes each variant with a report of size against quality.")]
public sealed class ModelQuantization : IActivity<ModelQuantizationInputs, ModelQuantizationOutputs>
{
    /// <summary>The formats each variant is written in: ONNX (ONNX Runtime, GenAI), GGUF (llama.cpp) and our own safetensors.</summary>
    internal static IReadOnlyList<IVariantExporter> ExportersFor(ActivityContext context) =>
        [new OnnxVariantExporter(), new GgufVariantExporter(context.Log), new SafeTensorsVariantExporter()];

    public Task<ModelQuantizationOutputs> ExecuteAsync(ModelQuantizationInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(() => Task.Run(() => QuantizeAsync(inputs, context, cancellationToken), cancellationToken));

    private static async Task<ModelQuantizationOutputs> QuantizeAsync(ModelQuantizationInputs inputs, ActivityContext context, CancellationToken ct)
    {
        var variants = Check(inputs);
        TorchNative.EnsureLoaded();
        var modelDirectory = LocalInput.Resolve(inputs.Model, "model", context);
        var adapterDirectory = inputs.Adapter is { } adapter ? LocalInput.Resolve(adapter, "adapter", context) : null;
        var datasetFile = inputs.Dataset is { } dataset ? LocalInput.Resolve(dataset, "dataset", context) : null;
        var calibrationFile = inputs.Calibration is { } calibrationInput ? LocalInput.Resolve(calibrationInput, "calibration", context) : null;
        var exporters = ExportersFor(context);

        context.Progress.Report(new ProgressUpdate(0, adapterDirectory is null ? "reading the model" : "merging the adapter"));
        string merged;
        using (var loaded = ModelFolder.Load(modelDirectory))
        {
            if (adapterDirectory is not null) MergeAdapter(loaded, adapterDirectory, inputs, context);
            merged = await ArtifactFolder.StoreAsync(context, "model", directory => ModelFolder.Save(loaded.Model, loaded.Tokenizer, directory), ct).ConfigureAwait(false);
        }

        var mergedDirectory = context.Artifacts.PathOf(ArtifactReference.Parse(merged));
        using var reference = ModelFolder.Load(mergedDirectory);
        var window = Math.Min(inputs.MaxLength, reference.Model.ContextWindow);
        var calibration = calibrationFile is null ? [] : Sequences(calibrationFile, reference.Tokenizer, window, inputs.CalibrationSamples);
        var evaluation = datasetFile is null ? [] : Sequences(datasetFile, reference.Tokenizer, window, inputs.QualitySamples);
        context.Log($"{reference.Model.Architecture}, {QuantizedWeights.Matrices(reference.Model).Count} matrices to quantize; "
            + (calibrationFile is null ? "" : $"calibration: {calibration.Count} records; ")
            + (datasetFile is null ? "no dataset: quality is not measured" : $"quality: {evaluation.Count} held-out records"));

        var folders = new Dictionary<string, VariantFolder>();
        var sizes = new Dictionary<string, IReadOnlyDictionary<string, VariantSize>>();
        var quality = new Dictionary<string, VariantQuality>();
        double? fp32Perplexity = null;
        long positions = 0;
        var all = new[] { QuantizationVariants.Fp32 }.Concat(variants).ToList();
        for (var i = 0; i < all.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var name = all[i];
            void Report(string what) => context.Progress.Report(new ProgressUpdate(0.05 + 0.9 * i / all.Count, $"{name}: {what}"));
            Report("quantizing");
            using var candidate = ModelFolder.LoadModel(mergedDirectory);
            var quantized = name switch
            {
                QuantizationVariants.Fp32 => null,
                QuantizationVariants.Int4Gptq => SequentialGptq.Quantize(candidate, calibration, progress: (key, done, total) => Report($"GPTQ {done}/{total} {key}"), ct: ct),
                _ => QuantizationVariants.RoundToNearest(candidate, name),
            };

            if (quantized is not null && evaluation.Count > 0)
            {
                Report("measuring quality");
                QuantizedWeights.Apply(candidate, quantized);
                var metrics = QuantizationQuality.Measure(reference.Model, candidate, evaluation, ct);
                (fp32Perplexity, positions) = (metrics.ReferencePerplexity, metrics.Positions);
                quality[name] = new VariantQuality
                {
                    Perplexity = metrics.Perplexity, PerplexityChangePercent = metrics.PerplexityChangePercent,
                    MeanKl = metrics.MeanKl, Top1Agreement = metrics.Top1Agreement,
                };
                context.Log(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: perplexity {metrics.Perplexity:0.###} ({metrics.PerplexityChangePercent:+0.##;-0.##;0}% against fp32 {metrics.ReferencePerplexity:0.###}), mean KL {metrics.MeanKl:0.#####}, top-1 agreement {metrics.Top1Agreement:0.####}"));
            }

            Report("writing");
            var (files, folder) = await ArtifactFolder.StoreAsync(context, "model", directory => Task.FromResult(Export(exporters, reference, quantized, name, directory)), ct).ConfigureAwait(false);
            folders[name] = new VariantFolder { Folder = folder, Files = files };
        }

        foreach (var (name, folder) in folders)
        {
            sizes[name] = folder.Files.GroupBy(f => f.Format).ToDictionary(g => g.Key, g => new VariantSize
            {
                Bytes = g.Sum(f => f.Bytes),
                Ratio = (double)g.Sum(f => f.Bytes) / folders[QuantizationVariants.Fp32].Files.Where(f => f.Format == g.Key).Sum(f => f.Bytes),
            });
        }

        context.Progress.Report(new ProgressUpdate(0.97, "writing the report"));
        var html = QuantizationReport.Html(Settings(inputs, positions), sizes, quality, fp32Perplexity, exporters[0].Format);
        var report = await context.Artifacts.PutTextAsync(html, "report", ct).ConfigureAwait(false);
        context.Progress.Report(new ProgressUpdate(1, "done"));
        return new ModelQuantizationOutputs
        {
            Model = merged, Variants = folders, Sizes = sizes, Quality = quality, Fp32Perplexity = fp32Perplexity, QualityPositions = positions, Report = report.Uri,
        };
    }

    private static List<string> Check(ModelQuantizationInputs inputs)
    {
        var variants = inputs.Variants.Distinct().ToList();
        if (variants.FirstOrDefault(v => !QuantizationVariants.Quantized.Contains(v)) is { } unknown)
            throw new ArgumentException($"variants: '{unknown}' is not a variant; choose from {string.Join(", ", QuantizationVariants.Quantized)} (fp32 is always made)");
        if (variants.Contains(QuantizationVariants.Int4Gptq) && inputs.Calibration is null)
            throw new ArgumentException($"variants: {QuantizationVariants.Int4Gptq} calibrates on data; give `calibration` (e.g. data.curate's train split) or leave {QuantizationVariants.Int4Gptq} out");
        return variants;
    }

    /// <summary>
    /// Attaches and merges the adapter, refusing one trained for another base: its recorded base must be this model
    /// (when both are artifact references, which name content), and its layers must fit (PeftAdapter checks shapes and targets).
    /// </summary>
    private static void MergeAdapter(LoadedModel loaded, string adapterDirectory, ModelQuantizationInputs inputs, ActivityContext context)
    {
        var configPath = Path.Join(adapterDirectory, PeftAdapter.ConfigFile);
        if (File.Exists(configPath) && LoraSettings.Read(configPath).BaseModelNameOrPath is { } recorded
            && ArtifactReference.TryParse(recorded, out var recordedBase) && ArtifactReference.TryParse(inputs.Model, out var givenBase) && recordedBase != givenBase)
        {
            throw new ModelFormatException($"adapter {inputs.Adapter} was trained on {recorded}, not on model {inputs.Model}",
                "give the base model the adapter was trained on (its adapter_config.json names it in base_model_name_or_path)");
        }

        LoraModel lora;
        try
        {
            lora = PeftAdapter.Load(loaded.Model, adapterDirectory);
        }
        catch (Exception e) when (e is ModelFormatException or ArgumentException)
        {
            throw new ModelFormatException($"adapter {inputs.Adapter} does not fit model {inputs.Model}: {e.Message}",
                (e as ModelFormatException)?.Hint ?? "give the base model the adapter was trained on");
        }

        lora.Merge();
        context.Log($"merged a rank-{lora.Settings.Rank} adapter on {lora.Layers.Count} layers");
    }

    /// <summary>Token ids of the first <paramref name="count"/> records of a JSONL file ({prompt, completion} or {text}), each cut at <paramref name="maxLength"/> tokens.</summary>
    private static List<long[]> Sequences(string path, TextTokenizer tokenizer, int maxLength, int count) =>
        TrainingData.Load(path, tokenizer, maxLength).Take(count).Select(e => e.Ids.Select(id => (long)id).ToArray()).ToList();

    /// <summary>Writes the variant with every exporter, each into its format's subfolder; lists the files written.</summary>
    private static List<VariantFile> Export(IReadOnlyList<IVariantExporter> exporters, LoadedModel model, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, string name,
        string directory)
    {
        var files = new List<VariantFile>();
        foreach (var exporter in exporters)
        {
            var folder = Path.Join(directory, exporter.Format);
            exporter.Write(model.Model, model.Tokenizer, quantized, name, folder);
            files.AddRange(new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal)
                .Select(f => new VariantFile { Path = Path.GetRelativePath(directory, f.FullName).Replace('\\', '/'), Format = exporter.Format, Bytes = f.Length }));
        }

        return files;
    }

    private static List<KeyValuePair<string, string>> Settings(ModelQuantizationInputs inputs, long positions)
    {
        var settings = new List<KeyValuePair<string, string>> { new("model", inputs.Model) };
        if (inputs.Adapter is { } adapter) settings.Add(new("adapter (merged)", adapter));
        settings.Add(new("quality", inputs.Dataset is null ? "not measured (no dataset)" : $"first {inputs.QualitySamples} records of {inputs.Dataset}, {positions} positions, at most {inputs.MaxLength} tokens each"));
        if (inputs.Variants.Contains(QuantizationVariants.Int4Gptq)) settings.Add(new("GPTQ calibration", $"first {inputs.CalibrationSamples} records of {inputs.Calibration}, 1% dampening"));
        settings.Add(new("fp32 everywhere", "norms, biases, position embeddings"));
        return settings;
    }
}
