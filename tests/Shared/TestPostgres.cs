using System.Diagnostics;
using Npgsql;

namespace Pipelines.Tests;

/// <summary>
/// The PostgreSQL server tests run against: the private cluster <c>test.sh</c> starts (its connection string in
/// <c>PIPELINES_TEST_POSTGRES</c>), or, when a test project runs on its own, a cluster this process starts with the same
/// script (<c>tests/postgres/cluster.sh</c>) and stops when it exits. Each caller gets a database of its own. The
/// benchmarks use it too, for a server of their own with PostgreSQL's durable settings (<see cref="PrivateServer"/>).
/// </summary>
public static class TestPostgres
{
    public const string Variable = "PIPELINES_TEST_POSTGRES";

    private static readonly Lazy<string> Server = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    /// <summary>The server's maintenance database (<c>postgres</c>), as a connection string.</summary>
    public static string ServerConnectionString => Server.Value;

    /// <summary>Creates an empty database on the tests' server and returns its connection string.</summary>
    public static Task<string> CreateDatabaseAsync(string purpose = "test") => CreateDatabaseAsync(ServerConnectionString, purpose);

    /// <summary>Creates an empty database on <paramref name="server"/> (a maintenance database's connection string) and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string server, string purpose)
    {
        var name = $"{Sanitize(purpose)}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static string Sanitize(string purpose) =>
        new([.. purpose.ToLowerInvariant().Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_').Take(24)]);

    private static string Start() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given ? given : PrivateServer.Start().ConnectionString;

    /// <summary>
    /// A server of the caller's own, for a test that restarts it (the shared one serves every other test meanwhile):
    /// started in a folder of its own, and stopped once this process has gone, however it ends (a test host is often
    /// killed, not exited), or by <see cref="Dispose"/>.
    /// </summary>
    public sealed class PrivateServer : IDisposable
    {
        private readonly string _folder;

        private PrivateServer(string folder, string connectionString)
        {
            _folder = folder;
            ConnectionString = connectionString;
        }

        /// <summary>The maintenance database (<c>postgres</c>).</summary>
        public string ConnectionString { get; }

        private string Cluster => Path.Combine(_folder, "cluster");

        /// <param name="durable">
        /// PostgreSQL's durable defaults (fsync, synchronous commit) instead of the fast settings the shared test server
        /// runs with: a test that crashes the server must not lose what it acknowledged.
        /// </param>
        public static PrivateServer Start(bool durable = false)
        {
            var folder = Directory.CreateTempSubdirectory("pipelines-pg-").FullName;
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101); // the postgres user must reach it when we are root
            var cluster = Path.Combine(folder, "cluster");
            string[] arguments = ["start", cluster, "--watch", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), .. durable ? ["--durable"] : Array.Empty<string>()];
            return new PrivateServer(folder, RunScript(arguments).Trim());
        }

        /// <summary>Stops the server at once, as a crash would, and starts it again on the same port.</summary>
        public void Restart() => RunScript("restart", Cluster);

        public void Dispose()
        {
            RunScript("stop", Cluster);
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string RunScript(params string[] arguments)
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "postgres", "cluster.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {arguments[0]} failed ({process.ExitCode}): {error.Result}. Run the tests with ./test.sh, or set {Variable} to a PostgreSQL connection string.");
        }

        return output.Result;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipelines.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("the repository root (Pipelines.sln) is not above " + AppContext.BaseDirectory);
    }
}
