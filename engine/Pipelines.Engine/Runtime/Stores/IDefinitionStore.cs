using Pipelines.Persistence;

namespace Pipelines.Runtime.Stores;

/// <summary>
/// Published pipeline definitions, versioned per name (DESIGN §3). Implemented once for SQLite and PostgreSQL by
/// <see cref="Persistence.Sql.SqlDefinitionStore"/> (docs/stores.md).
/// </summary>
/// <remarks>
/// Rules every implementation keeps: versions are immutable and numbered from 1 per name, never reused (not even after a
/// retraction); publishers racing on one name, from any number of processes, get distinct increasing numbers, or the one
/// existing version when their content is identical (<see cref="DefinitionContent"/> says what identical is); times are
/// UTC with millisecond precision, so what publish returns reads back equal.
/// </remarks>
public interface IDefinitionStore
{
    /// <summary>
    /// Stores <paramref name="yaml"/> as the next version of <paramref name="name"/>, or returns the existing
    /// non-retracted version with the same content. Throws <see cref="ArgumentException"/> for a name that is not a pipeline name.
    /// </summary>
    Task<PublishResult> PublishAsync(string name, string yaml, CancellationToken ct);

    /// <summary>The given version (retracted or not), or with no version the latest non-retracted one; null if none.</summary>
    Task<DefinitionVersion?> GetAsync(string name, int? version, CancellationToken ct);

    /// <summary>Every version of <paramref name="name"/>, retracted ones included, oldest first.</summary>
    Task<IReadOnlyList<DefinitionVersion>> ListVersionsAsync(string name, CancellationToken ct);

    /// <summary>One summary per published pipeline name, ordered by name.</summary>
    Task<IReadOnlyList<DefinitionSummary>> ListNamesAsync(CancellationToken ct);

    /// <summary>
    /// Marks a version retracted so it starts no new runs. Retracting again keeps the first time.
    /// Returns the updated version, or null when it does not exist.
    /// </summary>
    Task<DefinitionVersion?> RetractAsync(string name, int version, CancellationToken ct);
}
