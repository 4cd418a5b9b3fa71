using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Tokenization;
using Pipelines.Artifacts;
using Pipelines.Registry;
using Pipelines.Runtime;
using Pipelines.Runtime.Stores;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>One version served under <see cref="Id"/> (as configured, e.g. <c>email-subjects@production</c>).</summary>
public sealed record ServedModel(string Id, ModelVersion Version, string Variant, string Folder, TextTokenizer Tokenizer, ContinuousBatcher Batcher, int ContextWindow, DateTimeOffset Loaded)
{
    /// <summary>The prompts of the version's training data, which live prompts are compared with for drift; null when its lineage names no dataset here.</summary>
    public Monitoring.ReferenceProfile? Profile { get; init; }

    /// <summary>The alias <see cref="Id"/> follows; null for a pinned version (NAME/VERSION). Parsed once, when loaded.</summary>
    public string? Alias { get; init; }

    /// <summary>The requests of this version among <paramref name="logged"/> (an alias's log holds every version it served).</summary>
    public IReadOnlyList<global::Pipelines.Monitoring.LoggedRequest> VersionOf(IEnumerable<global::Pipelines.Monitoring.LoggedRequest> logged) =>
        [.. logged.Where(r => r.Version == Version.Version)];

    /// <summary>The export's own chat template (tokenizer_config.json's <c>chat_template</c>, or chat_template.jinja), parsed when loaded; null when it has none and chats use the default.</summary>
    public ChatTemplate? ChatTemplate { get; init; }
}

/// <summary>
/// The models <c>serve</c> answers for: each configured registry reference resolved to a version's exported variant
/// (<c>#int8</c> unless the reference names one, else <c>fp32</c>; a version without exports is exported once,
/// <see cref="ExportOnce"/>), its ONNX folder opened in ONNX Runtime behind a <see cref="ContinuousBatcher"/>. At start-up a reference that names nothing, or a version without an ONNX export,
/// stops the start with a line saying which and why. After it, every <see cref="ServingSettings.Refresh"/> the
/// aliases are resolved again (any process may move them: the CLI, <c>/api/models</c>, <c>deploy.promote</c>) and a
/// moved one is swapped live (<see cref="LiveModel"/>); a version that cannot be loaded leaves the old one serving and
/// is logged once. Pinned references (<c>NAME/VERSION</c>) never move.
/// </summary>
public sealed class ServedModels(RunEngine engine, ServingSettings settings, TimeProvider time, ILogger<ServedModels> logger) : IHostedService, IDisposable
{
    /// <summary>The variant served when a reference names none: the smallest one that keeps quality (see bench/RESULTS.md).</summary>
    public static readonly IReadOnlyList<string> PreferredVariants = ["int8", "fp32"];

    /// <summary>The variant served for a reference that names none: the first of <see cref="PreferredVariants"/> the version has; null when it has neither.</summary>
    public static string? DefaultVariant(ModelVersion version) => PreferredVariants.FirstOrDefault(version.Variants.ContainsKey);

    private readonly Dictionary<string, LiveModel> _models = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _refused = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private ITimer? _timer;

    /// <summary>The versions being served now, one per configured id.</summary>
    public IReadOnlyList<ServedModel> All => [.. _models.Values.Select(m => m.Current)];

    public LiveModel? Find(string id) => _models.GetValueOrDefault(id);

    /// <summary>The clock requests are timed and logged by.</summary>
    public TimeProvider Time => time;

    /// <summary>The store's log of answered requests.</summary>
    public IRequestLog RequestLog => engine.RequestLog;

    /// <summary>Writes answered requests to the store's request log.</summary>
    internal RequestRecorder Recorder { get; } = new(engine.RequestLog, settings.SampleRate);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.Models.Count > 0) Torch.TorchNative.EnsureLoaded(); // sampling (temperature > 0) draws with TorchSharp
        foreach (var id in settings.Models) _models[id] = new LiveModel(await LoadAsync(id, cancellationToken).ConfigureAwait(false));
        ServingMetrics.Track(this, serving: true);

        if (settings.Models.Any(id => Reference(id).Alias is not null))
            _timer = time.CreateTimer(_ => _ = RefreshInBackgroundAsync(), null, settings.Refresh, settings.Refresh);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        ServingMetrics.Track(this, serving: false);
        _timer?.Dispose();
        _timer = null;
        _refreshing.Wait(); // a refresh under way finishes its swap first, so no batcher it opens outlives the host
        try
        {
            foreach (var model in _models.Values) model.Dispose();
            _models.Clear();
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>
    /// Resolves every served alias again and swaps in the versions that moved; what cannot be resolved or loaded keeps
    /// the old version serving and is logged. The timer calls it; calls never overlap.
    /// </summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        await _refreshing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var (id, live) in _models.ToList())
            {
                var reference = Reference(id);
                if (reference.Alias is null) continue;
                var serving = live.Current.Version.Version;
                var target = await engine.Registry.ResolveAliasAsync(reference.Model, reference.Alias, ct).ConfigureAwait(false);
                if (target is null || target.Version == serving || _refused.GetValueOrDefault(id) == target.Version) continue;
                try
                {
                    live.Replace(Open(id, reference, target));
                    _refused.Remove(id);
                    logger.LogInformation("{Id} moved from version {Old} to {New}: new requests go to the new one, requests in flight finish on the old one", id, serving, target.Version);
                }
                catch (Api.ApiConfigurationException e)
                {
                    _refused[id] = target.Version;
                    logger.LogWarning("{Id} moved to version {New}, which cannot be served, so version {Old} keeps serving: {Reason} ({Hint})", id, target.Version, serving, e.Message, e.Hint);
                }
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "refreshing the served aliases failed; the versions being served stay");
        }
    }

    private static RegistryReference Reference(string id) => RegistryReference.ParseShort(id);

    /// <summary>Resolves <paramref name="id"/> as it is now and opens it; used at start-up, where failing stops the host.</summary>
    private async Task<ServedModel> LoadAsync(string id, CancellationToken ct)
    {
        ModelVersion version;
        try
        {
            version = await Reference(id).ResolveAsync(engine.Registry, ct).ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw CannotServe(id, e.Message, e.Hint);
        }

        return Open(id, Reference(id), version);
    }

    private static Api.ApiConfigurationException CannotServe(string id, string why, string hint) => new($"Serving:Models: cannot serve '{id}': {why}", hint);

    /// <summary>Opens <paramref name="version"/>'s variant behind a started batcher; what cannot be served throws <see cref="Api.ApiConfigurationException"/> saying why.</summary>
    private ServedModel Open(string id, RegistryReference reference, ModelVersion version)
    {
        try
        {
            var variant = reference.Variant ?? DefaultVariant(version);
            var folder = variant is null ? ExportOnce(version, id, "it has no exported variant") : OnnxFolder(new RegistryReference(reference.Model, reference.Alias, reference.Version, variant).SourceIn(version), id);
            var decoder = OnnxDecoder.Open(folder);
            if (!decoder.HasSlots && ExportableFolder(version, engine.Artifacts) is not null)
            {
                // Exported by an earlier release, whose caches cannot be shared: serve a float32 export made now.
                decoder.Dispose();
                logger.LogWarning("{Id}: the {Variant} export of version {Version} predates the shared key/value caches serving needs; serving an fp32 export of its model folder instead (run model.quantize again to serve {Variant})",
                    id, variant, version.Version, variant);
                (folder, variant) = (ExportOnce(version, id, $"its {variant} export predates the shared key/value caches"), null);
                decoder = OnnxDecoder.Open(folder);
            }

            variant ??= version.Variant ?? "fp32";
            TextTokenizer tokenizer;
            ChatTemplate? template;
            ContinuousBatcher batcher;
            ContinuousBatcherOptions options;
            try
            {
                options = ContinuousBatcherOptions.ForExport(folder) with { MaxBatchSize = settings.MaxBatchSize, MaxWaiting = settings.MaxWaiting };
                tokenizer = TextTokenizer.Load(folder);
                template = ChatTemplate.Of(tokenizer); // parsed now, so a template we cannot render stops the load, not the first chat
                batcher = new ContinuousBatcher(decoder, tokenizer, options, time); // owns the decoder from here
            }
            catch
            {
                decoder.Dispose();
                throw;
            }

            batcher.Start();
            return new ServedModel(id, version, variant, folder, tokenizer, batcher, options.ContextWindow, time.GetUtcNow()) { Profile = ProfileOf(version, tokenizer), Alias = reference.Alias, ChatTemplate = template };
        }
        catch (RegistryException e)
        {
            throw CannotServe(id, e.Message, e.Hint);
        }
        catch (ModelFormatException e)
        {
            throw CannotServe(id, e.Message, e.Hint ?? "export the model again with model.quantize");
        }
        catch (ChatTemplateException e)
        {
            throw CannotServe(id, $"its chat template cannot be rendered: {e.Message}",
                "this renderer takes the Jinja that chat templates use (docs/serving.md lists it); fix the template, or remove chat_template to chat with the default prompt");
        }
    }

    /// <summary>
    /// The reference profile drift is measured against: the version's training dataset (its lineage's <c>dataset</c>, an
    /// artifact or a JSONL file) as the served tokenizer reads it; null when the version names none that is here.
    /// </summary>
    private Monitoring.ReferenceProfile? ProfileOf(ModelVersion version, TextTokenizer tokenizer)
    {
        if (version.Dataset is not { } dataset) return null;
        var path = engine.Artifacts.LocalPathOf(dataset);
        return path is not null && File.Exists(path) ? Monitoring.ReferenceProfile.FromDataset(path, tokenizer) : null;
    }

    /// <summary>
    /// A version registered without exports (its source a Hugging Face model folder, e.g. deploy.promote of a merged
    /// model): exported to ONNX float32 once, into <c>cache/serving-onnx/</c> of the data directory, and served from
    /// there — ONNX Runtime decodes several times faster than TorchSharp (bench/RESULTS.md, Deploy), and one engine
    /// behind the batcher keeps batching, cancellation and metrics the same for every served model. The folder is
    /// named by the version's source, so a later start reuses it; it is written aside and renamed into place, so a
    /// crash leaves no half export. <paramref name="why"/> says in the log why it is exported.
    /// </summary>
    private string ExportOnce(ModelVersion version, string id, string why)
    {
        var source = ExportableFolder(version, engine.Artifacts)
            ?? throw new ModelFormatException($"{id}: version {version.Version} has no exported variant, and its source {version.Source} is not a model folder (config.json) to export",
                "register it with model.quantize's variants (deploy.promote's `variants`), or name a variant: NAME@ALIAS#VARIANT");
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(version.Source)))[..16];
        // Named by the cache layout too, so an export an earlier release made here is made again, not reused.
        var folder = Path.Join(engine.DataDirectory, "cache", "serving-onnx", $"{version.Model}-v{version.Version}-{key}-{OnnxExport.SlotsLayout}");
        if (File.Exists(Path.Join(folder, OnnxExport.ModelFile))) return folder;

        logger.LogInformation("{Id}: version {Version}: {Why}; exporting {Source} to ONNX (fp32) once, into {Folder}", id, version.Version, why, version.Source, folder);
        var aside = $"{folder}.partial-{Guid.NewGuid():N}";
        try
        {
            using (var loaded = ModelFolder.Load(source)) OnnxExport.Write(loaded.Model, loaded.Tokenizer, null, aside);
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            Directory.Move(aside, folder);
        }
        catch (IOException) when (File.Exists(Path.Join(folder, OnnxExport.ModelFile)))
        {
            // Another host or start exported it first: theirs is as good.
        }
        finally
        {
            if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
        }

        return folder;
    }

    /// <summary>The folder <see cref="ExportOnce"/> exports for <paramref name="version"/>: its source, when that is a model folder here (config.json); else null.</summary>
    public static string? ExportableFolder(ModelVersion version, ArtifactStore artifacts)
    {
        var source = artifacts.LocalPathOf(version.Source);
        return source is not null && File.Exists(Path.Join(source, "config.json")) ? source : null;
    }

    /// <summary>The ONNX folder of a variant: its <c>onnx/</c> subfolder (model.quantize's layout) or the folder itself.</summary>
    private string OnnxFolder(string source, string id)
    {
        var folder = ArtifactReference.TryParse(source, out var artifact) ? engine.Artifacts.PathOf(artifact) : source;
        return OnnxExport.FolderIn(folder) ?? throw new ModelFormatException($"{id} names {source}, which holds no ONNX export ({OnnxExport.ModelFile})",
            "serve a variant model.quantize exported (NAME@ALIAS#int8), or export the model with model.quantize first");
    }
}
