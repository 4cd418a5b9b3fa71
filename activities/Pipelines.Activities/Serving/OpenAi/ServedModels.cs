using Microsoft.Extensions.Hosting;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Artifacts;
using Pipelines.Registry;
using Pipelines.Runtime;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>One model served under <see cref="Id"/> (as configured, e.g. <c>email-subjects@production</c>).</summary>
public sealed record ServedModel(string Id, ModelVersion Version, string Variant, string Folder, TextTokenizer Tokenizer, ContinuousBatcher Batcher, DateTimeOffset Loaded);

/// <summary>
/// The models <c>serve</c> answers for: each configured registry reference resolved when the host starts to a version's
/// exported variant (<c>#int8</c> unless the reference names one, else <c>fp32</c>), its ONNX folder opened in ONNX
/// Runtime behind a <see cref="ContinuousBatcher"/>. A reference that names nothing, or a version without an ONNX
/// export, stops the start-up with a line saying which and why.
/// </summary>
public sealed class ServedModels(RunEngine engine, ServingSettings settings, TimeProvider time) : IHostedService, IDisposable
{
    /// <summary>The variant served when a reference names none: the smallest one that keeps quality (see bench/RESULTS.md).</summary>
    public static readonly IReadOnlyList<string> PreferredVariants = ["int8", "fp32"];

    private readonly Dictionary<string, ServedModel> _models = new(StringComparer.Ordinal);

    public IReadOnlyCollection<ServedModel> All => _models.Values;

    public ServedModel? Find(string id) => _models.GetValueOrDefault(id);

    /// <summary>The store's log of answered requests.</summary>
    public global::Pipelines.Monitoring.IRequestLog RequestLog => engine.RequestLog;

    /// <summary>Writes answered requests to the store's request log.</summary>
    internal RequestRecorder Recorder { get; } = new(engine.RequestLog, settings.SampleRate);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.Models.Count > 0) Torch.TorchNative.EnsureLoaded(); // sampling (temperature > 0) draws with TorchSharp
        foreach (var id in settings.Models)
        {
            _models[id] = await LoadAsync(id, cancellationToken).ConfigureAwait(false);
            ServingMetrics.Track(_models[id], serving: true);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var model in _models.Values)
        {
            ServingMetrics.Track(model, serving: false);
            model.Batcher.Dispose();
        }
        _models.Clear();
    }

    private async Task<ServedModel> LoadAsync(string id, CancellationToken ct)
    {
        try
        {
            var reference = RegistryReference.ParseShort(id);
            var version = await reference.ResolveAsync(engine.Registry, ct).ConfigureAwait(false);
            var variant = reference.Variant ?? PreferredVariants.FirstOrDefault(version.Variants.ContainsKey)
                ?? throw new RegistryException($"version {version.Version} of {version.Model} has no exported variant to serve",
                    "register it with model.quantize's variants (deploy.promote's `variants`), or name one: NAME@ALIAS#VARIANT");
            var folder = OnnxFolder(new RegistryReference(reference.Model, reference.Alias, reference.Version, variant).SourceIn(version), id);
            var decoder = OnnxDecoder.Open(folder);
            var tokenizer = TextTokenizer.Load(folder);
            var batcher = new ContinuousBatcher(decoder, tokenizer, ContinuousBatcherOptions.ForExport(folder) with { MaxBatchSize = settings.MaxBatchSize, MaxWaiting = settings.MaxWaiting }, time);
            batcher.Start();
            return new ServedModel(id, version, variant, folder, tokenizer, batcher, time.GetUtcNow());
        }
        catch (RegistryException e)
        {
            throw new Api.ApiConfigurationException($"Serving:Models: cannot serve '{id}': {e.Message}", e.Hint);
        }
        catch (ModelFormatException e)
        {
            throw new Api.ApiConfigurationException($"Serving:Models: cannot serve '{id}': {e.Message}", e.Hint ?? "export the model again with model.quantize");
        }
    }

    /// <summary>The ONNX folder of a variant: its <c>onnx/</c> subfolder (model.quantize's layout) or the folder itself.</summary>
    private string OnnxFolder(string source, string id)
    {
        var folder = ArtifactReference.TryParse(source, out var artifact) ? engine.Artifacts.PathOf(artifact) : source;
        var onnx = Path.Join(folder, "onnx");
        if (File.Exists(Path.Join(onnx, OnnxExport.ModelFile))) return onnx;
        if (File.Exists(Path.Join(folder, OnnxExport.ModelFile))) return folder;
        throw new ModelFormatException($"{id} names {source}, which holds no ONNX export ({OnnxExport.ModelFile})",
            "serve a variant model.quantize exported (NAME@ALIAS#int8), or export the model with model.quantize first");
    }
}
