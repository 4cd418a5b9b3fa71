using Pipelines.Cli;
using Spectre.Console;

namespace Pipelines.Cli.Tests;

/// <summary>Runs the CLI in process, the way <c>Program</c> does, with the output captured.</summary>
public static class Cli
{
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(terminal: null, args);

    /// <summary>Runs with <paramref name="terminal"/> as the person at the terminal (a TestConsole with the answers queued).</summary>
    public static async Task<CliResult> RunAsync(IAnsiConsole? terminal, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await CliApp.RunAsync(args, output, error, terminal);

        var result = new CliResult(exitCode, output.ToString(), error.ToString());
        // Whatever happens, a user never sees a stack trace.
        Assert.False(result.All.Contains("   at ", StringComparison.Ordinal), $"a stack trace was printed for `pipelines {string.Join(' ', args)}`:\n{result}");
        return result;
    }
}
