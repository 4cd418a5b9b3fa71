using Npgsql;
using Pipelines.Tests;

namespace Pipelines.Engine.Tests.Persistence;

/// <summary>The PostgreSQL the store's tests run on is real, and each test's database is its own.</summary>
public sealed class TestPostgresTests
{
    [Fact]
    public async Task Each_database_is_separate()
    {
        var first = await TestPostgres.CreateDatabaseAsync("separate");
        var second = await TestPostgres.CreateDatabaseAsync("separate");
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);

        await using (var connection = new NpgsqlConnection(first))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE marker (id int); INSERT INTO marker VALUES (7)", connection);
            await create.ExecuteNonQueryAsync();
        }

        await using (var connection = new NpgsqlConnection(second))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT to_regclass('marker') IS NOT NULL", connection);
            Assert.False((bool)(await exists.ExecuteScalarAsync())!);
            await using var version = new NpgsqlCommand("SHOW server_version_num", connection);
            Assert.True(int.Parse((string)(await version.ExecuteScalarAsync())!) >= 130000, "PostgreSQL 13 or later");
        }
    }
}
