using Microsoft.Extensions.Configuration;
using Pipelines.Activities;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Runtime.Stores;
using Spectre.Console;

namespace Pipelines.Cli;

/// <summary>
/// What every command gets: its output streams, the data directory, the person at the terminal (if any), the catalog
/// and the store, made on first use.
/// </summary>
public sealed class CliContext(TextWriter output, TextWriter error, string dataDirectory, IAnsiConsole? terminal = null) : IAsyncDisposable
{
    private readonly Lazy<ActivityCatalog> _catalog = new(BuiltInActivities.CreateCatalog);
    private SqliteDatabase? _database;
    private Persistence.Postgres.PostgresStore? _shared;
    private IAnsiConsole? _terminal = terminal;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public string DataDirectory { get; } = Path.GetFullPath(dataDirectory);

    /// <summary><c>--data-dir</c> as the user gave it, or null: commands printed for the user to copy repeat it.</summary>
    public string? DataDirectoryOption { get; init; }

    public ActivityCatalog Catalog => _catalog.Value;

    /// <summary>
    /// A console to ask the person at the terminal questions on: <see cref="Out"/> when both it and stdin are a terminal
    /// (or the console a test gave), null when nobody could answer (a pipe, a file, CI).
    /// </summary>
    public IAnsiConsole? Terminal => _terminal ??= IsTerminal(Out) && !System.Console.IsInputRedirected ? Console(Out) : null;

    /// <summary>Whether <paramref name="writer"/> is a terminal (the process's own stdout or stderr, not redirected).</summary>
    public static bool IsTerminal(TextWriter writer) =>
        ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected
        || ReferenceEquals(writer, System.Console.Error) && !System.Console.IsErrorRedirected;

    /// <summary>
    /// Colours and tables when writing to a terminal; plain text when redirected or NO_COLOR is set.
    /// <paramref name="live"/> asks for a console that can redraw in place (cursor control, no colour under NO_COLOR)
    /// whatever the writer is.
    /// </summary>
    public IAnsiConsole Console(TextWriter writer, bool live = false)
    {
        var interactive = live || IsTerminal(writer);
        var color = interactive && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = color || live ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive) console.Profile.Width = 4096; // never wrap lines that scripts parse
        return console;
    }

    /// <summary><c>--store</c> (or <c>PIPELINES_STORE</c>): the shared PostgreSQL store; null: the data directory's SQLite database.</summary>
    public string? SharedStore { get; init; }

    /// <summary>Where runs are stored: <c>--store</c>, else <c>PIPELINES_STORE</c>, else null (the embedded database).</summary>
    public static string? ResolveStore(string? option) =>
        !string.IsNullOrWhiteSpace(option) ? option
        : Environment.GetEnvironmentVariable("PIPELINES_STORE") is { Length: > 0 } env ? env
        : null;

    public async Task<IDefinitionStore> DefinitionsAsync(CancellationToken ct) => new SqlDefinitionStore(await DialectAsync(ct));

    public async Task<IScheduleStateStore> ScheduleStatesAsync(CancellationToken ct) => new SqlScheduleStateStore(await DialectAsync(ct));

    /// <summary>Reads of runs, steps and logs (and cancellation requests), without starting a runtime.</summary>
    public async Task<IRunStore> RunsAsync(CancellationToken ct) =>
        SharedStore is null ? new SqliteRunStore(await DatabaseAsync(ct)) : (await SharedAsync(ct)).OpenRunStore(null);

    public async Task<Artifacts.ArtifactStore> ArtifactsAsync(CancellationToken ct) => new(new SqlArtifactIndex(await DialectAsync(ct)), DataDirectory);

    /// <summary>The model registry of the data directory, read without starting a runtime.</summary>
    public async Task<IModelRegistry> RegistryAsync(CancellationToken ct) => new SqlModelRegistry(await DialectAsync(ct));

    private async Task<StoreDialect> DialectAsync(CancellationToken ct) =>
        SharedStore is null ? new SqliteDialect(await DatabaseAsync(ct)) : new Persistence.Postgres.PostgresDialect((await SharedAsync(ct)).DataSource);

    private async Task<SqliteDatabase> DatabaseAsync(CancellationToken ct) => _database ??= await SqliteDatabase.OpenAsync(DataDirectory, ct);

    private async Task<Persistence.Postgres.PostgresStore> SharedAsync(CancellationToken ct) =>
        _shared ??= await Persistence.Postgres.PostgresStore.OpenAsync(SharedStore!, ct: ct);

    /// <summary>Creates the data directory, refusing one that cannot be (a file, or under one) before anything is written into it.</summary>
    public void EnsureDataDirectoryUsable() => SqliteDatabase.CreateDataDirectory(DataDirectory);

    /// <summary>
    /// The runtime options of `run`, `runs resume` and `serve`: <paramref name="maxParallel"/> or the number of cores,
    /// secrets from the environment, and <c>PIPELINES_MAX_LOST_ATTEMPTS</c> (the dead-letter rule) if set.
    /// </summary>
    public static Runtime.RuntimeOptions RuntimeOptions(int? maxParallel)
    {
        if (maxParallel is < 1)
        {
            throw new UserError("--max-parallel must be 1 or more");
        }

        IReadOnlyDictionary<string, string> secrets;
        try
        {
            secrets = Runtime.RuntimeOptions.SecretsFromEnvironment();
        }
        catch (Runtime.SecretConfigurationException e)
        {
            throw new UserError(e.Message, $"give each {Runtime.RuntimeOptions.SecretPrefix}NAME the whole credential, or unset it");
        }

        var maxLost = 3;
        if (Environment.GetEnvironmentVariable("PIPELINES_MAX_LOST_ATTEMPTS") is { Length: > 0 } lostAttempts
            && (!int.TryParse(lostAttempts, System.Globalization.CultureInfo.InvariantCulture, out maxLost) || maxLost < 1))
        {
            throw new UserError($"PIPELINES_MAX_LOST_ATTEMPTS is '{lostAttempts}'", "set it to a whole number of 1 or more, or unset it for the default (3)");
        }

        return new Runtime.RuntimeOptions
        {
            MaxParallel = maxParallel ?? Environment.ProcessorCount,
            Secrets = secrets,
            FileRoots = FileRootsFromEnvironment(),
            MaxLostAttempts = maxLost,
        };
    }

    /// <summary>
    /// The same <c>Files__Roots__N</c> variables <c>serve</c> reads: a local user reads any path unless they are set;
    /// once set, runs of this CLI are confined as the hosted service's are (to them and the data directory).
    /// </summary>
    private static IReadOnlyList<string>? FileRootsFromEnvironment()
    {
        try
        {
            var roots = Api.ApiHost.ReadFileRoots(new ConfigurationBuilder().AddEnvironmentVariables().Build());
            return roots.Count > 0 ? roots : null;
        }
        catch (Api.ApiConfigurationException e)
        {
            throw new UserError(e.Message, e.Hint);
        }
    }

    /// <summary>The runtime over this data directory; <paramref name="maxParallel"/> overrides the number of cores.</summary>
    public async Task<Runtime.RunEngine> OpenEngineAsync(int? maxParallel, CancellationToken ct)
    {
        var options = RuntimeOptions(maxParallel) with { SharedStore = SharedStore };
        return await Runtime.RunEngine.OpenAsync(DataDirectory, Catalog, options, ct: ct);
    }

    /// <summary>Where data lives: <c>--data-dir</c>, else <c>PIPELINES_DATA</c>, else <c>./.pipelines</c>.</summary>
    public static string ResolveDataDirectory(string? option) =>
        !string.IsNullOrWhiteSpace(option) ? option
        : Environment.GetEnvironmentVariable("PIPELINES_DATA") is { Length: > 0 } env ? env
        : ".pipelines";

    public ValueTask DisposeAsync() => _shared?.DisposeAsync() ?? ValueTask.CompletedTask;
}
