using Npgsql;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// The two forms a PostgreSQL connection string comes in: Npgsql's keywords
/// (<c>Host=db;Port=5432;Database=pipelines;Username=pipelines;Password=...</c>) and the URI libpq and most hosting
/// services print (<c>postgresql://pipelines:secret@db:5432/pipelines?sslmode=require</c>).
/// </summary>
public static class PostgresConnectionString
{
    /// <summary>Npgsql's keyword form of <paramref name="text"/>; a URI's query options become keywords (<c>sslmode</c> → <c>SSL Mode</c>).</summary>
    /// <exception cref="ArgumentException">The text is neither form, or names an option Npgsql does not know.</exception>
    public static string Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) && !trimmed.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
            return new NpgsqlConnectionStringBuilder(trimmed).ConnectionString;

        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException($"'{Redacted(trimmed)}' is not a PostgreSQL URI; write postgresql://USER:PASSWORD@HOST:PORT/DATABASE", nameof(text));

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (!uri.IsDefaultPort && uri.Port > 0) builder.Port = uri.Port;
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } database) builder.Database = Uri.UnescapeDataString(database);
        if (uri.UserInfo.Split(':', 2) is [var user, ..] && user.Length > 0) builder.Username = Uri.UnescapeDataString(user);
        if (uri.UserInfo.Split(':', 2) is [_, var password]) builder.Password = Uri.UnescapeDataString(password);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, v) : (pair, "");
            builder[UriKeyword(Uri.UnescapeDataString(key))] = Uri.UnescapeDataString(value);
        }

        return builder.ConnectionString;
    }

    // libpq's names for the options Npgsql spells differently; the rest Npgsql takes as they are.
    private static string UriKeyword(string key) => key.ToLowerInvariant() switch
    {
        "sslmode" => "SSL Mode",
        "connect_timeout" => "Timeout",
        "application_name" => "Application Name",
        "options" => "Options",
        _ => key,
    };

    private static string Redacted(string uri) => uri.Contains('@') ? "postgresql://...@" + uri[(uri.LastIndexOf('@') + 1)..] : uri;
}
