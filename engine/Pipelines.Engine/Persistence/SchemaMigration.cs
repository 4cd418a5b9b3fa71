namespace Pipelines.Persistence;

/// <summary>One step of the database schema. Once shipped, a migration is never edited; later features append new ones.</summary>
public sealed record SchemaMigration(int Version, string Description, string Sql);
