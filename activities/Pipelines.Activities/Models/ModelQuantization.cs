using System.Globalization;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Torch;
using Pipelines.Activities.Training;
using Pipelines.Artifacts;

namespace Pipelines.Activities.Models;

/// <summary>
/// <c>model.quantize</c>: merges an adapter into its base, makes the fp32 variant and the quantized ones asked for
/// (int8 and int4 rounded to nearest, int4 by GPTQ calibrated on the train split), measures each against fp32 on the
/// validation split (perplexity, KL, top-1 agreement: quality is measured, never assumed), writes every variant with
/// each registered exporter and reports size against quality. Deterministic, so its steps are cached.
/// </summary>
[Activity("model.quantize", Version = 1, Category = "Models",
    Description = "Quantizes a model (with its LoRA adapter merged) to int8 and int4 (round-to-nearest and GPTQ), measures perplexity, KL and top-1 agreement of each variant against fp32 on held-out data, and writes each variant with a report of size against quality.")]
public sealed class ModelQuantization : IActivity<ModelQuantizationInputs, ModelQuantizationOutputs>
{
    /// <summary>The formats each variant is written in; the ONNX and GGUF exporters join here.</summary>
    internal static IReadOnlyList<IVariantExporter> Exporters { get; } = [new SafeTensorsVariantExporter()];

    public Task<ModelQuantizationOutputs> ExecuteAsync(ModelQuantizationInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(() => Task.Run(() => QuantizeAsync(inputs, context, cancellationToken), cancellationToken));

    private static async Task<ModelQuantizationOutputs> QuantizeAsync(ModelQuantizationInputs inputs, ActivityContext context, CancellationToken ct)
    {
        var variants = Check(inputs);
        TorchNative.EnsureLoaded();
        var modelDirectory = LocalInput.Resolve(inputs.Model, "model", context);
        var adapterDirectory = inputs.Adapter is { } adapter ? LocalInput.Resolve(adapter, "adapter", context) : null;
        var datasetDirectory = inputs.Dataset is { } dataset ? LocalInput.Resolve(dataset, "dataset", context) : null;

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
        var (calibration, evaluation, qualityFile) = datasetDirectory is null
            ? ([], [], null)
            : Sequences(datasetDirectory, reference.Tokenizer, window, inputs);
        context.Log($"{reference.Model.Architecture}, {QuantizedWeights.Matrices(reference.Model).Count} matrices to quantize; "
            + (datasetDirectory is null ? "no dataset: quality is not measured" : $"calibration: {calibration.Count} train records, quality: {evaluation.Count} records of {Path.GetFileName(qualityFile)}"));

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
            var (files, folder) = await ArtifactFolder.StoreAsync(context, "model", directory => Task.FromResult(Export(reference, quantized, name, directory)), ct).ConfigureAwait(false);
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
        var html = QuantizationReport.Html(Settings(inputs, qualityFile, positions), sizes, quality, fp32Perplexity, Exporters[0].Format);
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
        if (variants.Contains(QuantizationVariants.Int4Gptq) && inputs.Dataset is null)
            throw new ArgumentException($"variants: {QuantizationVariants.Int4Gptq} calibrates on data; give `dataset` (a curated folder with train.jsonl) or leave {QuantizationVariants.Int4Gptq} out");
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

    /// <summary>Token ids of the first records of the train split (calibration) and of the validation split, or test when there is none (quality).</summary>
    private static (List<long[]> Calibration, List<long[]> Quality, string QualityFile) Sequences(string directory, TextTokenizer tokenizer, int maxLength, ModelQuantizationInputs inputs)
    {
        string Split(params string[] names) => names.Select(n => Path.Join(directory, n)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"dataset: {directory} has no {string.Join(" or ", names)}; give a curated dataset folder with train.jsonl and validation.jsonl (or test.jsonl)");
        List<long[]> Read(string path, int count) =>
            TrainingData.Load(path, tokenizer, maxLength).Take(count).Select(e => e.Ids.Select(id => (long)id).ToArray()).ToList();

        var qualityFile = Split("validation.jsonl", "test.jsonl");
        return (Read(Split("train.jsonl"), inputs.CalibrationSamples), Read(qualityFile, inputs.QualitySamples), qualityFile);
    }

    /// <summary>Writes the variant with every exporter, each into its format's subfolder; lists the files written.</summary>
    private static List<VariantFile> Export(LoadedModel model, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, string name, string directory)
    {
        var files = new List<VariantFile>();
        foreach (var exporter in Exporters)
        {
            var folder = Path.Join(directory, exporter.Format);
            exporter.Write(model.Model, model.Tokenizer, quantized, name, folder);
            files.AddRange(new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal)
                .Select(f => new VariantFile { Path = Path.GetRelativePath(directory, f.FullName).Replace('\\', '/'), Format = exporter.Format, Bytes = f.Length }));
        }

        return files;
    }

    private static List<KeyValuePair<string, string>> Settings(ModelQuantizationInputs inputs, string? qualityFile, long positions)
    {
        var settings = new List<KeyValuePair<string, string>> { new("model", inputs.Model) };
        if (inputs.Adapter is { } adapter) settings.Add(new("adapter (merged)", adapter));
        settings.Add(new("quality", qualityFile is null ? "not measured (no dataset)" : $"first {inputs.QualitySamples} records of {Path.GetFileName(qualityFile)}, {positions} positions, at most {inputs.MaxLength} tokens each"));
        if (inputs.Variants.Contains(QuantizationVariants.Int4Gptq)) settings.Add(new("GPTQ calibration", $"first {inputs.CalibrationSamples} records of train.jsonl, 1% dampening"));
        settings.Add(new("fp32 everywhere", "norms, biases, position embeddings"));
        return settings;
    }
}
