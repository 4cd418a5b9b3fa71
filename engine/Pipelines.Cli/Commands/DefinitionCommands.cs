using System.CommandLine;
using System.Globalization;
using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Runtime.Stores;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>Shared steps of the commands that name a published pipeline.</summary>
internal static class DefinitionArguments
{
    public static DefinitionReference Parse(string text)
    {
        if (!DefinitionReference.TryParse(text, out var reference, out var error))
        {
            throw new UserError(error);
        }

        return reference;
    }

    public static async Task<DefinitionVersion> FindAsync(IDefinitionStore store, DefinitionReference reference, CancellationToken ct)
    {
        var found = await store.GetAsync(reference.Name, reference.Version, ct);
        if (found is not null) return found;

        var versions = await store.ListVersionsAsync(reference.Name, ct);
        if (versions.Count == 0)
        {
            var names = (await store.ListNamesAsync(ct)).Select(n => n.Name).ToList();
            throw new UserError($"no pipeline named '{reference.Name}' has been published",
                Diagnostics.NearestName.Hint(reference.Name, names) ?? "publish it with `pipelines publish FILE`");
        }

        throw new UserError(reference.Version is { } v ? $"{reference.Name} has no version {v}" : $"every version of {reference.Name} is retracted",
            $"versions: {string.Join(", ", versions.Select(x => x.Version + (x.IsRetracted ? " (retracted)" : "")))}");
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary><c>pipelines publish FILE</c>: validate, then store an immutable NAME@N (or return the identical existing one).</summary>
public static class PublishCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var file = new Argument<string>("file") { Description = "The pipeline YAML file to publish" };
        var command = new Command("publish", "Validate a pipeline file and store it as an immutable version NAME@N") { file };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var path = result.GetValue(file)!;
            var loaded = PipelineLoader.LoadFile(path, cli.Catalog);
            if (!loaded.Succeeded)
            {
                DiagnosticPrinter.Print(cli.Console(cli.Error), loaded);
                await cli.Error.WriteLineAsync($"{DiagnosticPrinter.File(path)}: {DiagnosticPrinter.Count(loaded)}; nothing was published");
                return ExitCodes.InvalidInput;
            }

            var store = await cli.DefinitionsAsync(ct);
            var published = await store.PublishAsync(loaded.Pipeline!.Name, loaded.Pipeline.Source, ct);
            await cli.Out.WriteLineAsync(published.Created
                ? $"published {published.Version.Reference} ({published.Version.Hash[..12]})"
                : $"unchanged: identical to {published.Version.Reference} ({published.Version.Hash[..12]})");
            await cli.Out.WriteLineAsync(published.Version.Reference);
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary><c>pipelines versions [NAME]</c>: the versions of one pipeline, or every pipeline with its latest version.</summary>
public static class VersionsCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var name = new Argument<string?>("name") { Description = "A pipeline name; leave out to list every pipeline", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("versions", "List the published versions of a pipeline") { name };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var store = await cli.DefinitionsAsync(ct);
            var console = cli.Console(cli.Out);
            if (result.GetValue(name) is not { } text)
            {
                var table = new Table().Border(TableBorder.Simple).AddColumns("PIPELINE", "LATEST", "VERSIONS", "PUBLISHED");
                foreach (var summary in await store.ListNamesAsync(ct))
                {
                    table.AddRow(summary.Name, summary.LatestVersion?.ToString(CultureInfo.InvariantCulture) ?? "-",
                        summary.VersionCount.ToString(CultureInfo.InvariantCulture), DefinitionArguments.Time(summary.LastPublishedAt));
                }

                console.Write(table);
                return ExitCodes.Ok;
            }

            var reference = DefinitionArguments.Parse(text);
            var versions = await store.ListVersionsAsync(reference.Name, ct);
            if (versions.Count == 0)
            {
                await DefinitionArguments.FindAsync(store, reference, ct); // throws the helpful "not found"
            }

            var latest = versions.LastOrDefault(v => !v.IsRetracted)?.Version;
            var rows = new Table().Border(TableBorder.Simple).AddColumns("VERSION", "HASH", "PUBLISHED", "STATUS");
            foreach (var v in versions)
            {
                var status = v.IsRetracted ? $"retracted {DefinitionArguments.Time(v.RetractedAt!.Value)}" : v.Version == latest ? "latest" : "active";
                rows.AddRow(v.Reference, v.Hash[..12], DefinitionArguments.Time(v.PublishedAt), status);
            }

            console.Write(rows);
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary><c>pipelines show NAME[@N]</c>: the YAML of a version exactly as published (latest when no version is given).</summary>
public static class ShowCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var reference = new Argument<string>("pipeline") { Description = "NAME (the latest version) or NAME@N" };
        var command = new Command("show", "Print a published version's YAML") { reference };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var version = await DefinitionArguments.FindAsync(await cli.DefinitionsAsync(ct), DefinitionArguments.Parse(result.GetValue(reference)!), ct);
            var retracted = version.IsRetracted ? $", retracted {DefinitionArguments.Time(version.RetractedAt!.Value)}" : "";
            await cli.Out.WriteLineAsync($"# {version.Reference} sha256:{version.Hash} published {DefinitionArguments.Time(version.PublishedAt)}{retracted}");
            await cli.Out.WriteAsync(version.Yaml.EndsWith('\n') ? version.Yaml : version.Yaml + "\n");
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary><c>pipelines diff NAME@A NAME@B</c>: a unified diff between two versions.</summary>
public static class DiffCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var from = new Argument<string>("from") { Description = "NAME@A" };
        var to = new Argument<string>("to") { Description = "NAME@B (or just @B / B for the same pipeline)" };
        var command = new Command("diff", "Show what changed between two versions of a pipeline") { from, to };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var store = await cli.DefinitionsAsync(ct);
            var a = DefinitionArguments.Parse(result.GetValue(from)!);
            var toText = result.GetValue(to)!;
            var b = DefinitionArguments.Parse(toText.StartsWith('@') ? a.Name + toText : int.TryParse(toText, out _) ? $"{a.Name}@{toText}" : toText);
            var diff = DefinitionDiff.Unified(await DefinitionArguments.FindAsync(store, a, ct), await DefinitionArguments.FindAsync(store, b, ct));
            if (diff.Length == 0)
            {
                await cli.Out.WriteLineAsync($"{a} and {b} are identical");
                return ExitCodes.Ok;
            }

            var console = cli.Console(cli.Out);
            foreach (var line in diff.TrimEnd('\n').Split('\n'))
            {
                var style = line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) ? "bold"
                    : line.StartsWith('+') ? "green" : line.StartsWith('-') ? "red" : line.StartsWith("@@", StringComparison.Ordinal) ? "cyan" : null;
                console.MarkupLine(style is null ? Markup.Escape(line) : $"[{style}]{Markup.Escape(line)}[/]");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary><c>pipelines retract NAME@N</c>: the version starts no new runs; runs already going finish.</summary>
public static class RetractCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var reference = new Argument<string>("pipeline") { Description = "NAME@N" };
        var command = new Command("retract", "Retract a version: it starts no new runs (running ones finish)") { reference };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var parsed = DefinitionArguments.Parse(result.GetValue(reference)!);
            if (parsed.Version is not { } number)
            {
                throw new UserError($"say which version to retract", $"write {parsed.Name}@N; `pipelines versions {parsed.Name}` lists them");
            }

            var store = await cli.DefinitionsAsync(ct);
            await DefinitionArguments.FindAsync(store, parsed, ct);
            var retracted = await store.RetractAsync(parsed.Name, number, ct);
            await cli.Out.WriteLineAsync($"retracted {retracted!.Reference}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
