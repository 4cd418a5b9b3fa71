using System.Text.Json.Nodes;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;

namespace Pipelines.Activities.Deploy;

/// <summary>
/// <c>deploy.promote</c>: registers a model version with its lineage, metrics, review outcome and variants (or takes
/// one already registered, <c>from</c>) and moves an alias to it, the move recorded in the alias's history with the run
/// as its actor. Safe to run again: a retried or resumed step finds the version it registered (by run and step), an
/// artifact registered before is that version again, and an alias already pointing there is not moved twice.
/// </summary>
[Activity("deploy.promote", Category = "Deploy", Deterministic = false,
    Description = "Registers a model version (with lineage, metrics and variants) in the model registry and moves an alias such as staging or production to it.")]
public sealed class Promotion : IActivity<PromotionInputs, PromotionOutputs>
{
    public Task<PromotionOutputs> ExecuteAsync(PromotionInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(() => PromoteAsync(inputs, context, cancellationToken));

    private static async Task<PromotionOutputs> PromoteAsync(PromotionInputs inputs, ActivityContext context, CancellationToken ct)
    {
        if (context.Services?.GetService(typeof(IModelRegistry)) is not IModelRegistry registry)
            throw new ActivityFailedException("deploy.promote needs the pipelines runtime's model registry, and this context has none", retryable: false);
        if ((inputs.Model is null) == (inputs.From is null))
        {
            throw new ActivityFailedException(inputs.Model is null
                ? "deploy.promote needs `model` (files to register as a new version) or `from` (a registered version, NAME@ALIAS or NAME/VERSION)"
                : "deploy.promote takes `model` (register a new version) or `from` (promote a registered one), not both", retryable: false);
        }

        RegistryNames.Check(inputs.Name, "model");
        RegistryNames.Check(inputs.Alias, "alias");
        var (version, registered) = inputs.From is { } from
            ? (await FindAsync(registry, inputs.Name, from, ct).ConfigureAwait(false), false)
            : await RegisterAsync(registry, inputs, context, ct).ConfigureAwait(false);

        int? previous;
        var current = await registry.ResolveAliasAsync(inputs.Name, inputs.Alias, ct).ConfigureAwait(false);
        if (current?.Version == version.Version)
        {
            // Already there: a step run again after the move, or a promotion that changes nothing. Report the move that got it there.
            var history = await registry.HistoryAsync(inputs.Name, inputs.Alias, ct).ConfigureAwait(false);
            previous = history.LastOrDefault(m => m.To == version.Version)?.From;
            context.Log($"{inputs.Name}@{inputs.Alias} already points at version {version.Version}");
        }
        else
        {
            var move = await registry.MoveAliasAsync(inputs.Name, inputs.Alias, version.Version, $"run {context.RunId}",
                inputs.Reason ?? $"deploy.promote in run {context.RunId}, step {context.StepId}", ct).ConfigureAwait(false);
            previous = move.From;
            context.Log($"{inputs.Name}@{inputs.Alias}: {(move.From is { } f ? $"version {f}" : "(new alias)")} → version {move.To}");
        }

        return new PromotionOutputs
        {
            Name = inputs.Name,
            Version = version.Version,
            Previous = previous,
            Registered = registered,
            Reference = new RegistryReference(inputs.Name, null, version.Version, null).ToString(),
            Source = version.Source,
        };
    }

    private static async Task<ModelVersion> FindAsync(IModelRegistry registry, string name, string from, CancellationToken ct)
    {
        var reference = RegistryReference.ParseShort(from);
        if (reference.Model != name)
            throw new ActivityFailedException($"from: {from} is a version of {reference.Model}, not of {name}; aliases move within one model", retryable: false);
        return await reference.ResolveAsync(registry, ct).ConfigureAwait(false);
    }

    private static async Task<(ModelVersion Version, bool Registered)> RegisterAsync(IModelRegistry registry, PromotionInputs inputs, ActivityContext context, CancellationToken ct)
    {
        var source = SourceOf(inputs.Model!, context);
        var versions = await registry.ListVersionsAsync(inputs.Name, ct).ConfigureAwait(false);
        if (versions.LastOrDefault(v => v.RunId == context.RunId && v.StepId == context.StepId) is { } earlier)
        {
            context.Log($"version {earlier.Version} of {inputs.Name} was registered by this step before; promoting it");
            return (earlier, false);
        }

        // An artifact names its files by content: the same files registered again are the same version (a pipeline run
        // again from its cache promotes what it promoted before instead of piling up copies).
        if (Artifacts.ArtifactReference.TryParse(source, out _) && versions.LastOrDefault(v => v.Source == source) is { } same)
        {
            context.Log($"version {same.Version} of {inputs.Name} holds these files already (registered by run {same.RunId ?? "?"}); promoting it");
            return (same, false);
        }

        var version = await registry.RegisterAsync(inputs.Name, new ModelVersionDraft
        {
            Source = source,
            Variant = inputs.Variant,
            Variants = VariantSources(inputs.Variants),
            BaseModel = inputs.BaseModel,
            Dataset = inputs.Dataset,
            Adapter = inputs.Adapter,
            RunId = context.RunId,
            StepId = context.StepId,
            Metrics = inputs.Metrics,
            Review = inputs.Review,
            Tags = inputs.Tags,
        }, ct).ConfigureAwait(false);
        context.Log($"registered {inputs.Name} version {version.Version} ({version.Source})");
        return (version, true);
    }

    /// <summary>An artifact reference as it is (it names the files by content); a folder or file as its full path, which must exist.</summary>
    private static string SourceOf(string model, ActivityContext context)
    {
        if (Artifacts.ArtifactReference.TryParse(model, out _)) return model;
        return Training.LocalInput.Resolve(model, "model", context);
    }

    /// <summary>
    /// Variant name → files, from <c>{name: "artifact://..."}</c> or model.quantize's <c>{name: {folder: "artifact://...", ...}}</c>.
    /// </summary>
    internal static Dictionary<string, string>? VariantSources(JsonObject? variants)
    {
        if (variants is null) return null;
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in variants)
        {
            sources[name] = value switch
            {
                JsonValue text when text.TryGetValue<string>(out var source) => source,
                JsonObject entry when entry["folder"] is JsonValue folder && folder.TryGetValue<string>(out var source) => source,
                _ => throw new ActivityFailedException($"variants.{name}: give the variant's files as a string (artifact://...) or an object with `folder`", retryable: false),
            };
        }

        return sources;
    }
}
