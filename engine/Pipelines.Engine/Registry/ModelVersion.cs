using System.Text.Json.Nodes;

namespace Pipelines.Registry;

/// <summary>What a new version records: where its files are and where it came from.</summary>
public sealed record ModelVersionDraft
{
    /// <summary>The model's files: an artifact reference (artifact://sha256/...) or a local folder.</summary>
    public required string Source { get; init; }

    /// <summary>The base model it was made from (digest or reference), when it is a fine-tune or a variant.</summary>
    public string? BaseModel { get; init; }

    /// <summary>The training dataset (digest or reference).</summary>
    public string? Dataset { get; init; }

    /// <summary>The adapter merged or applied, when there is one.</summary>
    public string? Adapter { get; init; }

    /// <summary>The producing run and step.</summary>
    public string? RunId { get; init; }

    public string? StepId { get; init; }

    /// <summary>The evaluation metrics, as the evaluation step output them.</summary>
    public JsonObject? Metrics { get; init; }

    /// <summary>The review outcome (approved, rejected, or null when none was asked).</summary>
    public string? Review { get; init; }

    /// <summary>The variant <see cref="Source"/> is: fp32, int8, int4, ... (null: the model as trained).</summary>
    public string? Variant { get; init; }

    /// <summary>
    /// Other forms of the same version, by name (<c>int8</c>, <c>int4-gptq</c>, ...): exported, usually quantized
    /// artifacts a server loads instead of <see cref="Source"/>; <c>registry://NAME@ALIAS#int8</c> names one.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Variants { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

public sealed record ModelVersion(
    string Model,
    int Version,
    string Source,
    string? BaseModel,
    string? Dataset,
    string? Adapter,
    string? RunId,
    string? StepId,
    JsonObject? Metrics,
    string? Review,
    string? Variant,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset RegisteredAt,
    IReadOnlyDictionary<string, string> Variants);

public sealed record RegisteredModel(string Name, int LatestVersion, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, int> Aliases);

/// <summary>One move of an alias: from <see cref="From"/> (null: the alias was new) to <see cref="To"/>.</summary>
public sealed record AliasMove(string Model, string Alias, int? From, int To, string Actor, string? Reason, DateTimeOffset At, bool Rollback);

/// <summary>A registry request the caller can fix: the message says what, the hint how.</summary>
public sealed class RegistryException(string message, string hint) : Exception(message)
{
    public string Hint { get; } = hint;
}

/// <summary>Model and alias names: 1 to 63 lowercase letters, digits, '-', '_' and '.', starting with a letter or digit.</summary>
public static class RegistryNames
{
    public static bool IsValid(string? name) =>
        name is { Length: >= 1 and <= 63 } && LowerOrDigit(name[0]) && name.All(c => LowerOrDigit(c) || c is '-' or '_' or '.');

    private static bool LowerOrDigit(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);

    /// <summary>Throws a <see cref="RegistryException"/> naming <paramref name="what"/> when <paramref name="name"/> is not valid.</summary>
    public static void Check(string? name, string what)
    {
        if (!IsValid(name))
            throw new RegistryException($"'{name}' is not a valid {what} name",
                "use 1 to 63 lowercase letters, digits, '-', '_' and '.', starting with a letter or digit (e.g. email-subjects, production)");
    }
}
