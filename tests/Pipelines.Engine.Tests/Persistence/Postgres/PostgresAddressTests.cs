using Npgsql;
using Pipelines.Persistence;
using Pipelines.Persistence.Postgres;
using Pipelines.Tests;

namespace Pipelines.Engine.Tests.Persistence.Postgres;

public sealed class PostgresAddressTests
{
    private const string Secret = "s3cr3t-Pa55";

    [Fact]
    public void A_url_gives_every_part_to_npgsql()
    {
        var address = PostgresAddress.Parse($"postgres://app:{Secret}@db.example:6543/pipelines?sslmode=verify-full&application_name=nightly", "--schedule-store");

        var built = new NpgsqlConnectionStringBuilder(address.ConnectionString);
        Assert.Equal("db.example", built.Host);
        Assert.Equal(6543, built.Port);
        Assert.Equal("pipelines", built.Database);
        Assert.Equal("app", built.Username);
        Assert.Equal(Secret, built.Password);
        Assert.Equal(SslMode.VerifyFull, built.SslMode);
        Assert.Equal("nightly", built.ApplicationName);
    }

    [Fact]
    public void Postgresql_scheme_default_port_and_percent_encoding_are_read_as_libpq_reads_them()
    {
        var address = PostgresAddress.Parse("POSTGRESQL://me%40corp:p%40ss%3Aword@localhost/my%20db", "--schedule-store");

        var built = new NpgsqlConnectionStringBuilder(address.ConnectionString);
        Assert.Equal("me@corp", built.Username);
        Assert.Equal("p@ss:word", built.Password);
        Assert.Equal("localhost", built.Host);
        Assert.Equal(NpgsqlConnection.DefaultPort, built.Port);
        Assert.Equal("my db", built.Database);
    }

    [Fact]
    public void An_unencoded_at_sign_in_the_password_still_reads_as_meant()
    {
        var built = new NpgsqlConnectionStringBuilder(PostgresAddress.Parse("postgres://app:a@b@db/pipelines", "--schedule-store").ConnectionString);

        Assert.Equal("a@b", built.Password);
        Assert.Equal("db", built.Host);
    }

    [Fact]
    public void Several_hosts_become_npgsqls_multi_host_form()
    {
        var address = PostgresAddress.Parse("postgres://app@one:5432,two:5433/pipelines?target_session_attrs=primary", "--schedule-store");

        var built = new NpgsqlConnectionStringBuilder(address.ConnectionString);
        Assert.Equal("one:5432,two:5433", built.Host);
        Assert.Equal("postgres://app@one:5432,two:5433/pipelines", address.Display);
    }

    [Fact]
    public void Npgsql_keywords_are_taken_as_they_are()
    {
        var address = PostgresAddress.Parse($"Host=127.0.0.1;Port=5433;Database=pipelines;Username=app;Password={Secret};Timeout=5", "--schedule-store");

        var built = new NpgsqlConnectionStringBuilder(address.ConnectionString);
        Assert.Equal(("127.0.0.1", 5433, "pipelines", "app", Secret, 5), (built.Host, built.Port, built.Database, built.Username, built.Password, built.Timeout));
    }

    [Fact]
    public void The_display_form_and_to_string_leave_the_password_out()
    {
        var address = PostgresAddress.Parse($"postgres://app:{Secret}@db:5432/pipelines", "--schedule-store");

        Assert.Equal("postgres://app@db:5432/pipelines", address.Display);
        Assert.Equal(address.Display, address.ToString());
        Assert.Equal("postgres://app@db:5432/pipelines", PostgresAddress.Parse($"Host=db;Database=pipelines;Username=app;Password={Secret}", "--schedule-store").Display);
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("db.example:5432/pipelines", "neither a postgres:// URL nor Npgsql's Keyword=value; form")]
    [InlineData("mysql://app:" + Secret + "@db/pipelines", "scheme must be postgres:// or postgresql://, not mysql://")]
    [InlineData("postgres://app:" + Secret + "@db:54x32/pipelines", "the port 54x32 of host db is not a number from 1 to 65535")]
    [InlineData("postgres://app:" + Secret + "@db:70000/pipelines", "the port 70000 of host db is not a number from 1 to 65535")]
    [InlineData("postgres://app:" + Secret + "@db:5432", "it names no database")]
    [InlineData("postgres://app:" + Secret + "@/pipelines", "it names no host")]
    [InlineData("postgres://app:" + Secret + "@db/pipelines?sslmode=sometimes", "SSL Mode 'sometimes' is not a value Npgsql accepts")]
    [InlineData("postgres://app:" + Secret + "@db/pipelines?sslmod=require", "the URL parameter sslmod is not one pipelines knows (known: application_name")]
    [InlineData("Host=db;Database=pipelines;Pasword=" + Secret, "pasword is not an Npgsql keyword")]
    [InlineData("Host=db;Port=many;Password=" + Secret, "port 'many' is not a value Npgsql accepts; it names no database")]
    [InlineData("Database=pipelines;Password=" + Secret, "it names no host")]
    public void A_bad_address_says_what_is_wrong_and_never_the_password(string text, string expected)
    {
        var error = Assert.Throws<StoreUnusableException>(() => PostgresAddress.Parse(text, "--schedule-store"));

        Assert.StartsWith("--schedule-store is not a usable PostgreSQL address: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("postgres://USER:PASSWORD@HOST:5432/DATABASE", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_npgsql_cannot_read_is_named_by_its_keyword_only()
    {
        var error = Assert.Throws<StoreUnusableException>(() => PostgresAddress.Parse($"Host=db;Database=pipelines;Password='{Secret}", "--schedule-store"));

        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connection_string_opens_the_test_server()
    {
        var given = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateDatabaseAsync("address"));
        var url = $"postgres://{Uri.EscapeDataString(given.Username!)}:{Uri.EscapeDataString(given.Password ?? "")}@{given.Host}:{given.Port}/{given.Database}?sslmode=disable";

        await using var connection = new NpgsqlConnection(PostgresAddress.Parse(url, "--schedule-store").ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal(given.Database, await command.ExecuteScalarAsync());
    }
}
