using System.CommandLine;
using Pipelines.Cli.Commands;
using Spectre.Console;

namespace Pipelines.Cli;

/// <summary>The <c>pipelines</c> command line: builds the command tree and runs one command with clean error handling.</summary>
public static class CliApp
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken ct = default) =>
        RunAsync(args, output, error, terminal: null, ct);

    /// <summary>
    /// Runs one command. <paramref name="terminal"/> stands for the person at a terminal (tests drive the prompts through
    /// it); without it, prompts appear only when stdin and <paramref name="output"/> are the process's own terminal.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IAnsiConsole? terminal, CancellationToken ct = default)
    {
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "Where pipelines keep their database and artifacts (default: $PIPELINES_DATA, else ./.pipelines)",
            Recursive = true,
        };
        var store = new Option<string?>("--store")
        {
            Description = "Run on a PostgreSQL database shared by several hosts (postgres://USER:PASSWORD@HOST:5432/DATABASE; default: $PIPELINES_STORE, else the SQLite database in the data directory). The data directory must then be a folder every host sees",
            Recursive = true,
        };
        CliContext Context(ParseResult result) => new(output, error, CliContext.ResolveDataDirectory(result.GetValue(dataDir)), terminal)
        {
            DataDirectoryOption = result.GetValue(dataDir),
            SharedStore = CliContext.ResolveStore(result.GetValue(store)),
        };

        var root = new RootCommand("Pipelines: declarative pipelines for the life of a generative-AI model.")
        {
            ValidateCommand.Create(Context),
            SchemaCommand.Create(Context),
            PublishCommand.Create(Context),
            VersionsCommand.Create(Context),
            ShowCommand.Create(Context),
            DiffCommand.Create(Context),
            RetractCommand.Create(Context),
            ActivitiesCommand.Create(Context),
            RunCommand.Create(Context),
            RunsCommand.Create(Context),
            ReviewCommand.Create(Context),
            RegistryCommand.Create(Context),
            ArtifactsCommand.Create(Context),
            ServeCommand.Create(Context),
            WorkerCommand.Create(Context),
            MonitorCommand.Create(Context),
            SchedulesCommand.Create(Context),
            DataCommand.Create(Context),
            MetricsCommand.Create(Context),
            ModelCommand.Create(Context),
        };
        root.Options.Add(dataDir);
        root.Options.Add(store);

        // No response files: `diff NAME@1 @2` means version 2, not a file called 2.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            // "Required command was not provided" only repeats what an unrecognized-command error already says.
            var errors = parsed.Errors.Count > 1 ? parsed.Errors.Where(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal)) : parsed.Errors;
            foreach (var e in errors)
            {
                await error.WriteLineAsync($"error: {e.Message}");
            }

            var command = parsed.CommandResult.Command;
            var path = new List<string>();
            for (var result = parsed.CommandResult; result is not null && result.Command is not RootCommand; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            {
                path.Insert(0, result.Command.Name);
            }

            await error.WriteLineAsync($"run `pipelines {string.Join(' ', path.Append("--help"))}` for usage");
            return ExitCodes.InvalidInput;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // Ctrl+C belongs to the commands: `run` detaches on the first press and lets a second end the process;
                // System.CommandLine's handler would cancel every command and force exit 130 two seconds later.
                ProcessTerminationTimeout = null,
            }, ct);
        }
        catch (Exception thrown) when (UserError.From(thrown) is { } e)
        {
            await error.WriteLineAsync(e.Hint is null ? $"error: {e.Message}" : $"error: {e.Message}; {e.Hint}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("cancelled");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("PIPELINES_DEBUG") is not "1")
        {
            await error.WriteLineAsync($"error: {e.Message}");
            await error.WriteLineAsync("this is a bug in pipelines; run again with PIPELINES_DEBUG=1 for the full trace and report it");
            return ExitCodes.Failed;
        }
    }
}
