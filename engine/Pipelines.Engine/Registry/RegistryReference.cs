using Pipelines.Runtime.Stores;

namespace Pipelines.Registry;

/// <summary>
/// A model named through the registry: <c>registry://NAME@ALIAS</c> (whatever the alias points at when it is read) or
/// <c>registry://NAME/VERSION</c> (one version for good), optionally <c>#VARIANT</c> for one of the version's variants
/// (<c>registry://email-subjects@production#int8</c>). The runtime resolves references in a step's local-path inputs
/// (models, datasets) when the step starts, before its cache key is computed, so a moved alias is a new input.
/// </summary>
public sealed record RegistryReference(string Model, string? Alias, int? Version, string? Variant)
{
    public const string Scheme = "registry://";

    /// <summary>Whether <paramref name="value"/> is written as a registry reference (well formed or not).</summary>
    public static bool IsReference(string? value) => value is not null && value.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>Parses <c>registry://NAME@ALIAS[#VARIANT]</c> or <c>registry://NAME/VERSION[#VARIANT]</c>.</summary>
    /// <exception cref="RegistryException">It is not one, with the forms that are.</exception>
    public static RegistryReference Parse(string value)
    {
        if (!IsReference(value)) throw Malformed(value);
        return ParseTarget(value[Scheme.Length..], value);
    }

    /// <summary>Parses the short form <c>NAME@ALIAS</c> or <c>NAME/VERSION</c> (a <c>registry://</c> prefix is allowed too).</summary>
    public static RegistryReference ParseShort(string value) =>
        IsReference(value) ? Parse(value) : ParseTarget(value, value);

    private static RegistryReference ParseTarget(string target, string original)
    {
        string? variant = null;
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0) (target, variant) = (target[..hash], target[(hash + 1)..]);
        if (variant is not null && !RegistryNames.IsValid(variant)) throw Malformed(original);

        var at = target.IndexOf('@', StringComparison.Ordinal);
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        if (at > 0 && slash < 0)
        {
            var (model, alias) = (target[..at], target[(at + 1)..]);
            if (RegistryNames.IsValid(model) && RegistryNames.IsValid(alias)) return new RegistryReference(model, alias, null, variant);
        }
        else if (slash > 0 && at < 0)
        {
            var (model, number) = (target[..slash], target[(slash + 1)..]);
            if (RegistryNames.IsValid(model) && int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
                && version >= 1)
            {
                return new RegistryReference(model, null, version, variant);
            }
        }

        throw Malformed(original);
    }

    private static RegistryException Malformed(string value) =>
        new($"'{value}' is not a registry reference",
            "write registry://NAME@ALIAS (e.g. registry://email-subjects@production) or registry://NAME/VERSION (registry://email-subjects/3), optionally with #VARIANT (#int8)");

    /// <summary>The version this reference names now.</summary>
    /// <exception cref="RegistryException">The model, alias or version does not exist, with what does.</exception>
    public async Task<ModelVersion> ResolveAsync(IModelRegistry registry, CancellationToken ct)
    {
        if (Version is { } number)
        {
            return await registry.GetVersionAsync(Model, number, ct).ConfigureAwait(false)
                ?? throw await NotFoundAsync(registry, $"{Model} has no version {number}", ct).ConfigureAwait(false);
        }

        return await registry.ResolveAliasAsync(Model, Alias!, ct).ConfigureAwait(false)
            ?? throw await NotFoundAsync(registry, $"{Model} has no alias '{Alias}'", ct).ConfigureAwait(false);
    }

    /// <summary>The version this reference names now and the files it names in it (its source, or the variant's).</summary>
    /// <exception cref="RegistryException">The model, alias, version or variant does not exist, with what does.</exception>
    public async Task<(ModelVersion Version, string Source)> ResolveSourceAsync(IModelRegistry registry, CancellationToken ct)
    {
        var version = await ResolveAsync(registry, ct).ConfigureAwait(false);
        return (version, SourceIn(version));
    }

    /// <summary>The files this reference names in <paramref name="version"/>: its source, or the variant's.</summary>
    /// <exception cref="RegistryException">The version has no such variant.</exception>
    public string SourceIn(ModelVersion version)
    {
        if (Variant is null) return version.Source;
        if (version.Variants.TryGetValue(Variant, out var source)) return source;
        if (Variant == version.Variant) return version.Source;
        var known = version.Variants.Keys.Prepend(version.Variant).OfType<string>().ToList();
        throw new RegistryException($"version {version.Version} of {Model} has no variant '{Variant}'",
            known.Count > 0 ? $"its variants are {string.Join(", ", known)}" : "it was registered without variants; drop the #variant part");
    }

    private async Task<RegistryException> NotFoundAsync(IModelRegistry registry, string problem, CancellationToken ct)
    {
        var model = await registry.GetModelAsync(Model, ct).ConfigureAwait(false);
        if (model is null) return new RegistryException($"no model named '{Model}' is registered", "`pipelines registry list` shows the registered models; deploy.promote registers one");
        var aliases = model.Aliases.Count == 0 ? "it has no aliases yet" : $"its aliases: {string.Join(", ", model.Aliases.Select(a => $"{a.Key} → {a.Value}"))}";
        return new RegistryException(problem, $"its versions are 1 to {model.LatestVersion}; {aliases}");
    }

    public override string ToString() =>
        $"{Scheme}{Model}{(Alias is not null ? "@" + Alias : "/" + Version)}{(Variant is not null ? "#" + Variant : "")}";
}
