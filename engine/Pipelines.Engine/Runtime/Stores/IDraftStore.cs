using Pipelines.Persistence;

namespace Pipelines.Runtime.Stores;

/// <summary>
/// Drafts from the designer: per pipeline name the latest text saved, valid or not, kept apart from the published
/// versions (DESIGN §3). Nothing runs a draft: runs, schedules and monitors read <see cref="IDefinitionStore"/> only.
/// </summary>
public interface IDraftStore
{
    /// <summary>Saves <paramref name="yaml"/> (line endings normalised) as the draft of <paramref name="name"/>, replacing the one before.</summary>
    Task<Draft> SaveAsync(string name, string yaml, CancellationToken ct);

    /// <summary>The draft of <paramref name="name"/>, or null.</summary>
    Task<Draft?> GetAsync(string name, CancellationToken ct);

    /// <summary>Every draft, by name.</summary>
    Task<IReadOnlyList<Draft>> ListAsync(CancellationToken ct);

    /// <summary>Deletes the draft of <paramref name="name"/>; false when there was none.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken ct);
}
