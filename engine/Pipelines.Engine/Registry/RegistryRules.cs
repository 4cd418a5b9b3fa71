
namespace Pipelines.Registry;

/// <summary>The registry's checks and refusals, shared by every store that implements <see cref="Runtime.Stores.IModelRegistry"/>.</summary>
public static class RegistryRules
{
    /// <summary>Throws a <see cref="RegistryException"/> when <paramref name="draft"/> cannot be registered as a version of <paramref name="model"/>.</summary>
    public static void CheckDraft(string model, ModelVersionDraft draft)
    {
        RegistryNames.Check(model, "model");
        if (string.IsNullOrWhiteSpace(draft.Source))
            throw new RegistryException("a model version needs a source", "give the model's files: an artifact reference (artifact://sha256/...) or a folder");
        foreach (var key in (draft.Tags ?? new Dictionary<string, string>()).Keys) CheckTagKey(key);
        foreach (var (name, source) in draft.Variants ?? new Dictionary<string, string>())
        {
            RegistryNames.Check(name, "variant");
            if (string.IsNullOrWhiteSpace(source))
                throw new RegistryException($"variant '{name}' has no source", "give each variant's files: an artifact reference or a folder");
        }
    }

    public static void CheckTagKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 63 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new RegistryException($"'{key}' is not a valid tag key", "use 1 to 63 letters, digits, '-', '_' and '.'");
    }

    /// <summary>The refusal for a version that does not exist; <paramref name="latest"/> is the model's newest version, null when it has none.</summary>
    public static RegistryException NoSuchVersion(string model, int version, int? latest) => latest is null
        ? new RegistryException($"no model named '{model}' is registered", "`registry list` shows the registered models")
        : new RegistryException($"{model} has no version {version}", $"its versions are 1 to {latest}; `registry versions {model}` lists them");

    /// <summary>The target a rollback returns to: the <c>from</c> of the alias's last move; throws when there is none.</summary>
    public static int RollbackTarget(string model, string alias, AliasMove? last)
    {
        if (last is null)
            throw new RegistryException($"{model}@{alias} does not exist, so there is nothing to roll back",
                $"`registry history {model}` lists the aliases that have moved");
        return last.From ?? throw new RegistryException(
            $"{model}@{alias} has had one target only (version {last.To}), so there is nothing to roll back to",
            $"move it with `registry alias {model} {alias} VERSION` instead");
    }
}
