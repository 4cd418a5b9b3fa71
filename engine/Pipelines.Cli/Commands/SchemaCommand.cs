using System.CommandLine;
using Pipelines.Definitions;
using Pipelines.Persistence;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines schema</c>: the JSON Schema of the pipeline format, generated from the activity catalog.</summary>
public static class SchemaCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write the schema to this file instead of standard output" };
        var command = new Command("schema", "Print the JSON Schema (draft 2020-12) of pipeline files, for editors and tools") { output };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var json = JsonOutput.Format(PipelineSchema.Generate(cli.Catalog));
            if (result.GetValue(output) is { } path)
            {
                try
                {
                    await File.WriteAllTextAsync(path, json + "\n", ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UserError($"cannot write {path}: {CreatableFolder.Reason(path, e)}", "check that its folder exists and is writable");
                }

                await cli.Error.WriteLineAsync($"wrote {path}");
            }
            else
            {
                await cli.Out.WriteLineAsync(json);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
