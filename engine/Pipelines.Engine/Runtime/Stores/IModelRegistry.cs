using Pipelines.Registry;

namespace Pipelines.Runtime.Stores;

/// <summary>
/// The model registry (DESIGN §5): registered models, their numbered versions with lineage, tags, and aliases
/// (<c>staging</c>, <c>production</c>, any name) that move with a history of who moved them, when and why, so an alias
/// can be rolled back to where it pointed before. The engine owns this contract; the embedded store implements it on
/// SQLite and on PostgreSQL by <see cref="Persistence.Sql.SqlModelRegistry"/>.
/// </summary>
/// <remarks>
/// Rules every implementation keeps: versions are numbered from 1 per model and never reused; a version's lineage is
/// immutable once registered (tags are not); an alias move and its history row are one atomic change, so concurrent
/// moves of the same alias serialise and the history is the exact sequence of targets; names are validated with
/// <see cref="RegistryNames"/>. Failures a caller can fix throw <see cref="RegistryException"/> with the fix.
/// </remarks>
public interface IModelRegistry
{
    /// <summary>Registers the next version of <paramref name="model"/> (creating the model on its first version).</summary>
    Task<ModelVersion> RegisterAsync(string model, ModelVersionDraft draft, CancellationToken ct);

    /// <summary>Every registered model with its latest version and its aliases, by name.</summary>
    Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken ct);

    /// <summary>One model with its aliases; null when no version of it was ever registered.</summary>
    Task<RegisteredModel?> GetModelAsync(string model, CancellationToken ct);

    /// <summary>The model's versions, oldest first (empty when the model is unknown).</summary>
    Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken ct);

    /// <summary>One version, or null.</summary>
    Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken ct);

    /// <summary>The version <paramref name="alias"/> points at, or null when the alias is not set.</summary>
    Task<ModelVersion?> ResolveAliasAsync(string model, string alias, CancellationToken ct);

    /// <summary>Sets or replaces a tag of a version; an empty value removes it.</summary>
    Task<ModelVersion> SetTagAsync(string model, int version, string key, string value, CancellationToken ct);

    /// <summary>Points <paramref name="alias"/> at <paramref name="version"/> and records the move.</summary>
    Task<AliasMove> MoveAliasAsync(string model, string alias, int version, string actor, string? reason, CancellationToken ct);

    /// <summary>
    /// Points <paramref name="alias"/> back at the target it had before its last move, and records that as a move
    /// too (so rolling back twice returns to where it was). Fails when the alias has no earlier target.
    /// </summary>
    Task<AliasMove> RollbackAsync(string model, string alias, string actor, string? reason, CancellationToken ct);

    /// <summary>The moves of one alias (or of every alias of the model when <paramref name="alias"/> is null), oldest first.</summary>
    Task<IReadOnlyList<AliasMove>> HistoryAsync(string model, string? alias, CancellationToken ct);
}
