using Microsoft.Data.Sqlite;

namespace Pipelines.Cli.Tests;

/// <summary>
/// A data directory or <c>pipelines.db</c> that cannot hold a store is the user's to fix, whichever command meets it
/// first: exit 2 and one line that names the place and what to do, never "this is a bug" — and the file is left as it was.
/// </summary>
public sealed class UnusableStoreTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    /// <summary>Each command that opens the store on its own path: definitions, runs, the runtime, the server.</summary>
    public static TheoryData<string[]> StoreCommands => new()
    {
        new[] { "versions" },
        new[] { "run", "FILE" },
        new[] { "runs", "resume", "0000000000000000" },
        new[] { "serve", "--urls", "http://127.0.0.1:0" },
    };

    /// <summary>Those, and the installer, which needs the folder but not the database.</summary>
    public static TheoryData<string[]> DataDirectoryCommands
    {
        get
        {
            var commands = StoreCommands;
            commands.Add(["data", "fetch", "spam-assassin", "--from", "missing.tgz"]);
            return commands;
        }
    }

    [Theory]
    [MemberData(nameof(DataDirectoryCommands))]
    public async Task A_data_dir_under_a_file_names_that_file(string[] command)
    {
        var file = _workspace.Write("not-a-folder", "text");

        var result = await RunAsync(Path.Combine(file, "data"), command);

        AssertOneLineMistake(result, $"{file} is a file");
        Assert.Contains("--data-dir", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_dir_that_cannot_be_created_even_by_root_is_a_user_error()
    {
        // Permissions do not stop root (the tests may run as root); /proc refuses new folders to everyone.
        var result = await RunAsync("/proc/pipelines-test-data", ["run", "FILE"]);

        AssertOneLineMistake(result, "/proc/pipelines-test-data");
    }

    [Theory]
    [MemberData(nameof(StoreCommands))]
    public async Task A_database_file_of_random_bytes_is_not_a_store(string[] command)
    {
        Directory.CreateDirectory(_workspace.DataDirectory);
        var bytes = new byte[8192];
        new Random(12).NextBytes(bytes);
        File.WriteAllBytes(_workspace.DatabaseFile, bytes);

        var result = await RunAsync(_workspace.DataDirectory, command);

        AssertOneLineMistake(result, $"{_workspace.DatabaseFile} is not a Pipelines store (file is not a database)");
        Assert.Equal(bytes, File.ReadAllBytes(_workspace.DatabaseFile));
    }

    [Theory]
    [MemberData(nameof(StoreCommands))]
    public async Task A_database_path_that_is_a_folder_is_not_a_store(string[] command)
    {
        Directory.CreateDirectory(_workspace.DatabaseFile);

        var result = await RunAsync(_workspace.DataDirectory, command);

        AssertOneLineMistake(result, $"{_workspace.DatabaseFile} is not a Pipelines store (it is a folder)");
    }

    [Fact]
    public async Task Another_programs_sqlite_database_is_refused_and_left_untouched()
    {
        Directory.CreateDirectory(_workspace.DataDirectory);
        Sql("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('ada');");

        var result = await RunAsync(_workspace.DataDirectory, ["versions"]);

        AssertOneLineMistake(result, "it holds other tables: contacts");
        Assert.Equal(["contacts"], Sql("SELECT name FROM sqlite_schema WHERE type = 'table'"));
        Assert.Equal(["delete"], Sql("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task A_store_that_lost_a_table_says_so_instead_of_failing_at_the_first_query()
    {
        Assert.Equal(0, (await RunAsync(_workspace.DataDirectory, ["versions"])).ExitCode);
        Sql("DROP TABLE runs;");

        var result = await RunAsync(_workspace.DataDirectory, ["runs"]);

        AssertOneLineMistake(result, $"{_workspace.DatabaseFile} lacks the table(s) runs");
        Assert.Contains("backup", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(StoreCommands))]
    public async Task A_store_from_a_newer_build_asks_for_that_build(string[] command)
    {
        Assert.Equal(0, (await RunAsync(_workspace.DataDirectory, ["versions"])).ExitCode);
        Sql("INSERT INTO schema_migrations (version, description, applied_at) VALUES (999, 'from the future', 0);");

        var result = await RunAsync(_workspace.DataDirectory, command);

        AssertOneLineMistake(result, "was written by a newer pipelines (schema version 999");
    }

    /// <summary>Runs <paramref name="command"/> over <paramref name="dataDirectory"/>; FILE stands for a valid pipeline file.</summary>
    private Task<CliResult> RunAsync(string dataDirectory, string[] command)
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());
        return Cli.RunAsync(["--data-dir", dataDirectory, .. command.Select(a => a == "FILE" ? file : a)]);
    }

    private static void AssertOneLineMistake(CliResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("bug", line, StringComparison.Ordinal);
    }

    /// <summary>The first column of what <paramref name="sql"/> returns, read straight from the database file.</summary>
    private List<string> Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_workspace.DatabaseFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetValue(0).ToString()!);
        return values;
    }
}
