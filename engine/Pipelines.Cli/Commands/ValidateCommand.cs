using System.CommandLine;
using Pipelines.Definitions;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines validate FILE...</c>: every problem in every file, or <c>ok NAME</c> per valid file.</summary>
public static class ValidateCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var files = new Argument<string[]>("files") { Arity = ArgumentArity.OneOrMore, Description = "Pipeline YAML files to check" };
        var command = new Command("validate", "Check pipeline files and report every problem with its file:line:column") { files };
        command.SetAction((result, ct) =>
        {
            var cli = context(result);
            var console = cli.Console(cli.Out);
            var failed = 0;
            foreach (var file in result.GetValue(files)!)
            {
                var loaded = PipelineLoader.LoadFile(file, cli.Catalog);
                if (loaded.Succeeded)
                {
                    cli.Out.WriteLine($"ok {loaded.Pipeline!.Name}");
                    continue;
                }

                failed++;
                DiagnosticPrinter.Print(console, loaded);
                cli.Out.WriteLine($"{DiagnosticPrinter.File(file)}: {DiagnosticPrinter.Count(loaded)}");
            }

            return Task.FromResult(failed == 0 ? ExitCodes.Ok : ExitCodes.InvalidInput);
        });
        return command;
    }
}
