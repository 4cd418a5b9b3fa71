using System.Data.Common;
using Npgsql;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// A PostgreSQL server and database as a user types it for a store: a URL in libpq's form
/// (<c>postgres://user:password@host:port/database?sslmode=require</c>, also <c>postgresql://</c>, several hosts as
/// <c>a:5432,b:5432</c>) or Npgsql's keywords (<c>Host=db;Port=5432;Database=pipelines;Username=app</c>), turned into an
/// Npgsql connection string. Every problem is reported at once, naming the part and the fix; the password is never
/// repeated, neither in an error nor in <see cref="ToString"/> (what logs show).
/// </summary>
public sealed class PostgresAddress
{
    private const string Example = "postgres://USER:PASSWORD@HOST:5432/DATABASE (or Host=HOST;Database=DATABASE;Username=USER)";

    // libpq's URL parameters that have an Npgsql keyword; the rest of libpq's are refused by name, not silently dropped.
    private static readonly Dictionary<string, string> UrlParameters = new(StringComparer.Ordinal)
    {
        ["sslmode"] = "SSL Mode",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["options"] = "Options",
        ["target_session_attrs"] = "Target Session Attributes",
        ["keepalives_idle"] = "Keepalive",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
        ["host"] = "Host",
        ["port"] = "Port",
        ["passfile"] = "Passfile",
    };

    // Keywords whose value is a secret: a problem with one names the keyword, never the value.
    private static readonly HashSet<string> Secrets = new(StringComparer.OrdinalIgnoreCase) { "Password", "SSL Password", "sslpassword" };

    private PostgresAddress(string connectionString, string display)
    {
        ConnectionString = connectionString;
        Display = display;
    }

    /// <summary>The Npgsql connection string, password included: for opening connections, never for printing.</summary>
    public string ConnectionString { get; }

    /// <summary>The address without its password (<c>postgres://app@db:5432/pipelines</c>): for logs and messages.</summary>
    public string Display { get; }

    /// <summary>
    /// Reads <paramref name="text"/>; <paramref name="source"/> says where it came from (<c>--schedule-store</c>) for the
    /// message. Throws <see cref="StoreUnusableException"/> listing every problem.
    /// </summary>
    public static PostgresAddress Parse(string text, string source)
    {
        var problems = new List<string>();
        var builder = new NpgsqlConnectionStringBuilder();
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            problems.Add("it is empty");
        }
        else if (trimmed.Contains("://", StringComparison.Ordinal))
        {
            ReadUrl(trimmed, builder, problems);
        }
        else if (trimmed.Contains('=', StringComparison.Ordinal))
        {
            ReadKeywords(trimmed, builder, problems);
        }
        else
        {
            problems.Add("it is neither a postgres:// URL nor Npgsql's Keyword=value; form");
        }

        if (problems.Count == 0 || builder.Count > 0) // not when nothing could be read: that was said already
        {
            if (string.IsNullOrWhiteSpace(builder.Host)) problems.Add("it names no host");
            if (string.IsNullOrWhiteSpace(builder.Database)) problems.Add("it names no database (the store keeps its tables in a database of its own)");
        }

        if (problems.Count > 0)
        {
            throw new StoreUnusableException($"{source} is not a usable PostgreSQL address: {string.Join("; ", problems)}", $"give {source} {Example}; percent-encode @ : / ? in a URL's user or password");
        }

        return new PostgresAddress(builder.ConnectionString, Describe(builder));
    }

    /// <inheritdoc cref="Display"/>
    public override string ToString() => Display;

    private static void ReadUrl(string text, NpgsqlConnectionStringBuilder builder, List<string> problems)
    {
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = text[..schemeEnd];
        if (!scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            // Only the scheme is repeated: whatever follows it may hold a password.
            problems.Add($"a URL's scheme must be postgres:// or postgresql://, not {Clip(scheme)}://");
            return;
        }

        var rest = text[(schemeEnd + 3)..];
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var query = queryStart < 0 ? "" : rest[(queryStart + 1)..];
        rest = queryStart < 0 ? rest : rest[..queryStart];

        // The last @ ends the user part, so an unencoded @ or / in a password still reads as the user meant.
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var user = rest[..at];
            var colon = user.IndexOf(':', StringComparison.Ordinal);
            Set(builder, "Username", Uri.UnescapeDataString(colon < 0 ? user : user[..colon]), problems);
            if (colon >= 0) Set(builder, "Password", Uri.UnescapeDataString(user[(colon + 1)..]), problems);
            rest = rest[(at + 1)..];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var hosts = slash < 0 ? rest : rest[..slash];
        if (slash >= 0 && rest[(slash + 1)..] is { Length: > 0 } database) Set(builder, "Database", Uri.UnescapeDataString(database), problems);
        if (hosts.Length > 0) ReadHosts(hosts, builder, problems);

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (!UrlParameters.TryGetValue(name, out var keyword))
            {
                problems.Add($"the URL parameter {Clip(name)} is not one pipelines knows (known: {string.Join(", ", UrlParameters.Keys.Order(StringComparer.Ordinal))})");
                continue;
            }

            if (keyword == "SSL Mode") value = SslMode(value);
            if (keyword == "Host") ReadHosts(value, builder, problems);
            else Set(builder, keyword, value, problems);
        }
    }

    /// <summary><c>host</c>, <c>host:port</c>, <c>[::1]:port</c>, comma-separated: Npgsql's own multi-host form.</summary>
    private static void ReadHosts(string hosts, NpgsqlConnectionStringBuilder builder, List<string> problems)
    {
        var read = new List<string>();
        foreach (var entry in hosts.Split(','))
        {
            var host = Uri.UnescapeDataString(entry);
            string? port = null;
            var close = host.StartsWith('[') ? host.IndexOf(']', StringComparison.Ordinal) : -1;
            var colon = host.LastIndexOf(':');
            if (host.StartsWith('[') && close < 0)
            {
                problems.Add($"the host {Clip(host)} opens [ without closing it");
                continue;
            }

            if (colon > close)
            {
                port = host[(colon + 1)..];
                host = host[..colon];
            }

            if (host.Length == 0)
            {
                problems.Add("a host is empty");
                continue;
            }

            if (port is not null && !(int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535))
            {
                problems.Add($"the port {Clip(port)} of host {Clip(host)} is not a number from 1 to 65535");
                continue;
            }

            read.Add(port is null ? host : $"{host}:{port}");
        }

        if (read.Count == 0) return;

        // One host keeps its port in Port, as Npgsql's keyword form would; several carry theirs each.
        if (read.Count == 1 && read[0].LastIndexOf(':') is var portAt && portAt > read[0].LastIndexOf(']'))
        {
            builder.Host = read[0][..portAt];
            builder.Port = int.Parse(read[0][(portAt + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            builder.Host = string.Join(',', read);
        }
    }

    private static void ReadKeywords(string text, NpgsqlConnectionStringBuilder builder, List<string> problems)
    {
        // A generic builder splits the text without judging it (and lower-cases the keywords); each keyword then goes to
        // Npgsql on its own, so one bad value is reported by its keyword alone and the others are still checked.
        var pairs = new DbConnectionStringBuilder();
        try
        {
            pairs.ConnectionString = text;
        }
        catch (ArgumentException)
        {
            problems.Add("its Keyword=value; pairs cannot be read (a value holding ; or = must be quoted: Password='a;b')");
            return;
        }

        foreach (string keyword in pairs.Keys)
        {
            Set(builder, keyword, Convert.ToString(pairs[keyword], System.Globalization.CultureInfo.InvariantCulture) ?? "", problems);
        }

        if (builder.Port is < 1 or > 65535) problems.Add($"Port {builder.Port} is not a number from 1 to 65535");
    }

    private static void Set(NpgsqlConnectionStringBuilder builder, string keyword, string value, List<string> problems)
    {
        try
        {
            builder[keyword] = value;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException or KeyNotFoundException)
        {
            problems.Add(builder.ContainsKey(keyword) || IsKnown(keyword)
                ? Secrets.Contains(keyword) ? $"{keyword} cannot be read" : $"{keyword} '{Clip(value)}' is not a value Npgsql accepts"
                : $"{Clip(keyword)} is not an Npgsql keyword (e.g. Host, Port, Database, Username, Password, SSL Mode)");
        }
    }

    private static bool IsKnown(string keyword)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder().ContainsKey(keyword);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>libpq's sslmode names (<c>verify-full</c>) as Npgsql's (<c>VerifyFull</c>); anything else is left for Npgsql to refuse.</summary>
    private static string SslMode(string value) => value switch
    {
        "disable" => "Disable",
        "allow" => "Allow",
        "prefer" => "Prefer",
        "require" => "Require",
        "verify-ca" => "VerifyCA",
        "verify-full" => "VerifyFull",
        _ => value,
    };

    private static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        var user = string.IsNullOrEmpty(builder.Username) ? "" : Uri.EscapeDataString(builder.Username) + "@";
        var hosts = string.Join(',', builder.Host!.Split(',').Select(h => h.Contains(':', StringComparison.Ordinal) ? h : $"{h}:{builder.Port}"));
        return $"postgres://{user}{hosts}/{Uri.EscapeDataString(builder.Database!)}";
    }

    /// <summary>A piece of the user's text short enough for a message.</summary>
    private static string Clip(string text) => text.Length <= 64 ? text : text[..61] + "...";
}
