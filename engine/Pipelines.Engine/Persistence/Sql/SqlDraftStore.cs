using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sql;

/// <summary>The designer's drafts (table <c>definition_drafts</c>) on SQLite or PostgreSQL.</summary>
public sealed class SqlDraftStore(StoreDialect database, TimeProvider? time = null) : IDraftStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<Draft> SaveAsync(string name, string yaml, CancellationToken ct)
    {
        var text = DefinitionContent.Checked(name, yaml);
        var savedAt = DefinitionRow.Milliseconds(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("""
            INSERT INTO definition_drafts (name, yaml, saved_at) VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE SET yaml = excluded.yaml, saved_at = excluded.saved_at
            """, ct, name, text, savedAt.ToUnixTimeMilliseconds());
        return new Draft(name, text, savedAt);
    }

    public async Task<Draft?> GetAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = await connection.QueryAsync($"SELECT {DefinitionRow.DraftColumns} FROM definition_drafts WHERE name = $1", DefinitionRow.ReadDraft, ct, name);
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<IReadOnlyList<Draft>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"SELECT {DefinitionRow.DraftColumns} FROM definition_drafts ORDER BY name", DefinitionRow.ReadDraft, ct);
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("DELETE FROM definition_drafts WHERE name = $1", ct, name) > 0;
    }
}
