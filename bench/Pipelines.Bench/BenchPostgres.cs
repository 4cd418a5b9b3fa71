using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Pipelines.Bench;

/// <summary>
/// A private PostgreSQL cluster for a benchmark (<c>tests/postgres/cluster.sh start --durable</c>: PostgreSQL's
/// durable defaults, unlike the tests' fsync-off cluster), stopped and deleted on dispose; each measurement gets a
/// fresh database.
/// </summary>
internal sealed class BenchPostgres : IDisposable
{
    private readonly string _folder;

    private BenchPostgres(string folder, string server)
    {
        _folder = folder;
        Server = server;
    }

    /// <summary>The maintenance database's connection string.</summary>
    public string Server { get; }

    /// <param name="durable">False: the tests' settings (fsync off, asynchronous commit), to see what durability costs.</param>
    public static BenchPostgres Start(bool durable = true)
    {
        var folder = Directory.CreateTempSubdirectory("pipelines-bench-pg-").FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101); // the postgres user must reach it when we are root
        string[] arguments = ["start", Path.Combine(folder, "cluster"), "--watch", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), .. durable ? ["--durable"] : Array.Empty<string>()];
        var server = Script(arguments).Trim();
        return new BenchPostgres(folder, server);
    }

    /// <summary>A new empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"bench_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(Server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(Server) { Database = name }.ConnectionString;
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        Script("stop", Path.Combine(_folder, "cluster"));
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The checkout this benchmark runs from (where <c>Pipelines.sln</c> is).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipelines.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("the repository root is not above " + AppContext.BaseDirectory);
    }

    private static string Script(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "tests", "postgres", "cluster.sh"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"cluster.sh {args[0]}: {error.Result}");
        return output.Result;
    }
}
