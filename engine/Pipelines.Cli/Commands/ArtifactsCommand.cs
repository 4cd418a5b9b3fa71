using System.CommandLine;
using System.Globalization;
using Pipelines.Artifacts;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines artifacts path|lineage REF</c>: where an artifact lives, and which steps made and used it.</summary>
public static class ArtifactsCommand
{
    public static Command Create(Func<ParseResult, CliContext> context) =>
        new("artifacts", "Find artifacts (artifact://sha256/...) on disk and trace their lineage")
        {
            Path(context),
            Lineage(context),
        };

    private static Command Path(Func<ParseResult, CliContext> context)
    {
        var reference = Reference();
        var command = new Command("path", "Print the local path of an artifact's file or folder (read it; never write to it)") { reference };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var artifact = Parse(result.GetValue(reference)!);
            var store = await cli.ArtifactsAsync(ct);
            string path;
            try
            {
                path = store.PathOf(artifact);
            }
            catch (ArtifactNotFoundException)
            {
                throw Missing(cli, artifact);
            }

            await cli.Out.WriteLineAsync(path);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Lineage(Func<ParseResult, CliContext> context)
    {
        var reference = Reference();
        var command = new Command("lineage", "Show an artifact's kind, size and creation time, the step that produced it and the steps that used it") { reference };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var artifact = Parse(result.GetValue(reference)!);
            var store = await cli.ArtifactsAsync(ct);
            var lineage = await store.Index.GetLineageAsync(artifact, ct) ?? throw Missing(cli, artifact);

            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            grid.AddRow("artifact", lineage.Reference.Uri);
            grid.AddRow("kind", Markup.Escape(lineage.Kind));
            grid.AddRow("size", $"{Size(lineage.Size)}{(lineage.IsDirectory ? " (a folder)" : "")}");
            grid.AddRow("created", DefinitionArguments.Time(lineage.CreatedAt));
            grid.AddRow("path", Markup.Escape(store.Exists(artifact) ? store.PathOf(artifact) : "(content missing from this data directory)"));
            grid.AddRow("producer", lineage.Producer is { } p ? $"run {p.RunId} step {Markup.Escape(p.StepId)}" : "(none recorded: stored outside a run)");
            grid.AddRow("consumers", lineage.Consumers.Count == 0 ? "(none)" : string.Join("\n", lineage.Consumers.Select(c => $"run {c.RunId} step {Markup.Escape(c.StepId)}")));
            cli.Console(cli.Out).Write(grid);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Argument<string> Reference() => new("ref") { Description = "artifact://sha256/<64 hex digits>, as step outputs write it" };

    private static ArtifactReference Parse(string text) =>
        ArtifactReference.TryParse(text.Trim(), out var reference)
            ? reference
            : throw new UserError($"'{text}' is not an artifact reference", $"write {ArtifactReference.Prefix} followed by the 64 lower-case hex digits of its sha256, as step outputs show it");

    internal static UserError Missing(CliContext cli, ArtifactReference artifact) =>
        new($"artifact {artifact} is not in {cli.DataDirectory}",
            "it was stored in another data directory (pass --data-dir), or this one was cleaned; run the step that produces it again");

    /// <summary>Bytes in the largest unit that keeps a whole number in front, with the exact count after it unless <paramref name="exact"/> is false.</summary>
    internal static string Size(long bytes, bool exact = true)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        var value = (double)bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes"
            : $"{value.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}" + (exact ? $" ({bytes.ToString(CultureInfo.InvariantCulture)} bytes)" : "");
    }
}
