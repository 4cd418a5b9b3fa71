namespace Pipelines.Persistence;

/// <summary>One step of a database schema. Once shipped, a migration is never edited; later features append new ones.</summary>
public sealed record SchemaMigration(int Version, string Description, string Sql)
{
    /// <summary>Throws when <paramref name="migrations"/> are not numbered 1, 2, 3, ... in order.</summary>
    public static void CheckNumbering(IReadOnlyList<SchemaMigration> migrations)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"Schema migrations must be numbered 1, 2, 3, ... in order; found {migrations[i].Version} at position {i + 1}.");
        }
    }
}
