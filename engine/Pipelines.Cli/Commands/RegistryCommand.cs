using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Cli.Runs;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines registry list|show|versions|alias|rollback|history</c>: the model registry in the store — registered
/// models, their versions with lineage, and aliases that move with a recorded history. Moves are made as
/// <c>--as NAME</c>, else <c>$USER</c>: whoever holds the data directory may write to it anyway. JSON is the API's
/// (<see cref="RegistryJson"/>).
/// </summary>
public static class RegistryCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create(Func<ParseResult, CliContext> context) =>
        new("registry", "The model registry: models, versions with lineage, aliases and their history")
        {
            List(context),
            Show(context),
            Versions(context),
            Alias(context),
            Rollback(context),
            History(context),
        };

    private static Argument<string> ModelName() => new("model") { Description = "A registered model's name" };

    private static Argument<string> AliasName() => new("alias") { Description = "An alias: staging, production, champion or any name" };

    private static Option<string?> Reason() => new("--reason") { Description = "Why, kept in the alias's history" };

    private static Option<string?> Actor() => new("--as") { Description = "Record the move as made by this name (default: $USER)" };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print JSON instead of a table" };

    private static Command List(Func<ParseResult, CliContext> context)
    {
        var json = JsonOption();
        var command = new Command("list", "The registered models with their latest version and aliases") { json };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            await using var engine = await cli.OpenEngineAsync(1, ct);
            var models = await engine.Registry.ListModelsAsync(ct);
            if (result.GetValue(json))
            {
                await cli.Out.WriteLineAsync(RegistryJson.Array(models, RegistryJson.Model).ToJsonString(Indented));
                return ExitCodes.Ok;
            }

            if (models.Count == 0)
            {
                await cli.Error.WriteLineAsync("no models are registered (deploy.promote registers them)");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("MODEL", "LATEST", "ALIASES", "CREATED");
            foreach (var model in models)
            {
                table.AddRow(Markup.Escape(model.Name), model.LatestVersion.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", model.Aliases.Select(a => $"{a.Key} → {a.Value}"))), RunArguments.Time(model.CreatedAt.ToUnixTimeMilliseconds()));
            }

            cli.Console(cli.Out).Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(Func<ParseResult, CliContext> context)
    {
        var reference = new Argument<string>("reference") { Description = "NAME (the model and its aliases), NAME/VERSION or NAME@ALIAS (one version with its lineage)" };
        var command = new Command("show", "Show a model, or one version with its lineage, as JSON") { reference };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var text = result.GetValue(reference)!;
            await using var engine = await cli.OpenEngineAsync(1, ct);
            JsonObject shown;
            if (text.IndexOfAny(['/', '@']) is var at and > 0)
            {
                var (name, rest) = (text[..at], text[(at + 1)..]);
                shown = RegistryJson.Version(text[at] == '/'
                    ? int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                        ? await engine.Registry.GetVersionAsync(name, number, ct) ?? throw await MissingAsync(engine.Registry, name, $"{name} has no version {number}", ct)
                        : throw new UserError($"'{rest}' in '{text}' is not a version number", $"write {name}/1, or {name}@ALIAS for an alias")
                    : await engine.Registry.ResolveAliasAsync(name, rest, ct) ?? throw await MissingAsync(engine.Registry, name, $"{name}@{rest} does not exist", ct));
            }
            else
            {
                shown = RegistryJson.Model(await engine.Registry.GetModelAsync(text, ct) ?? throw await MissingAsync(engine.Registry, text, null, ct));
            }

            await cli.Out.WriteLineAsync(shown.ToJsonString(Indented));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Versions(Func<ParseResult, CliContext> context)
    {
        var model = ModelName();
        var json = JsonOption();
        var command = new Command("versions", "A model's versions, oldest first: variant, source, metrics, review, producing run") { model, json };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var name = result.GetValue(model)!;
            await using var engine = await cli.OpenEngineAsync(1, ct);
            var versions = await engine.Registry.ListVersionsAsync(name, ct);
            if (versions.Count == 0) throw await MissingAsync(engine.Registry, name, null, ct);
            if (result.GetValue(json))
            {
                await cli.Out.WriteLineAsync(RegistryJson.Array(versions, RegistryJson.Version).ToJsonString(Indented));
                return ExitCodes.Ok;
            }

            var aliases = (await engine.Registry.GetModelAsync(name, ct))!.Aliases;
            var table = new Table().Border(TableBorder.Simple).AddColumns("VERSION", "ALIASES", "VARIANT", "METRICS", "REVIEW", "RUN", "REGISTERED", "SOURCE");
            foreach (var version in versions)
            {
                table.AddRow(version.Version.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", aliases.Where(a => a.Value == version.Version).Select(a => a.Key))),
                    Markup.Escape(version.Variant ?? ""), Markup.Escape(Metrics(version.Metrics)), Markup.Escape(version.Review ?? ""),
                    Markup.Escape(version.RunId is null ? "" : $"{version.RunId} {version.StepId}"), RunArguments.Time(version.RegisteredAt.ToUnixTimeMilliseconds()),
                    Markup.Escape(version.Source));
            }

            cli.Console(cli.Out).Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Alias(Func<ParseResult, CliContext> context)
    {
        var (model, alias, reason, actor) = (ModelName(), AliasName(), Reason(), Actor());
        var version = new Argument<int>("version") { Description = "The version the alias will point at" };
        var command = new Command("alias", "Point an alias at a version; the move is kept in the alias's history") { model, alias, version, reason, actor };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            await using var engine = await cli.OpenEngineAsync(1, ct);
            var move = await Explained(() => engine.Registry.MoveAliasAsync(result.GetValue(model)!, result.GetValue(alias)!, result.GetValue(version),
                Who(result.GetValue(actor)), result.GetValue(reason), ct));
            await cli.Out.WriteLineAsync(MoveLine(move));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rollback(Func<ParseResult, CliContext> context)
    {
        var (model, alias, reason, actor) = (ModelName(), AliasName(), Reason(), Actor());
        var command = new Command("rollback", "Point an alias back at the version it had before its last move (rolling back twice undoes the rollback)")
        {
            model, alias, reason, actor,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            await using var engine = await cli.OpenEngineAsync(1, ct);
            var move = await Explained(() => engine.Registry.RollbackAsync(result.GetValue(model)!, result.GetValue(alias)!, Who(result.GetValue(actor)),
                result.GetValue(reason), ct));
            await cli.Out.WriteLineAsync(MoveLine(move));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command History(Func<ParseResult, CliContext> context)
    {
        var model = ModelName();
        var alias = new Argument<string?>("alias") { Description = "One alias (default: every alias of the model)", Arity = ArgumentArity.ZeroOrOne };
        var json = JsonOption();
        var command = new Command("history", "Every move of a model's aliases, oldest first: when, from, to, who and why") { model, alias, json };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var name = result.GetValue(model)!;
            await using var engine = await cli.OpenEngineAsync(1, ct);
            if (await engine.Registry.GetModelAsync(name, ct) is null) throw await MissingAsync(engine.Registry, name, null, ct);
            var moves = await engine.Registry.HistoryAsync(name, result.GetValue(alias), ct);
            if (result.GetValue(json))
            {
                await cli.Out.WriteLineAsync(RegistryJson.Array(moves, RegistryJson.Move).ToJsonString(Indented));
                return ExitCodes.Ok;
            }

            if (moves.Count == 0)
            {
                await cli.Error.WriteLineAsync(result.GetValue(alias) is { } one ? $"{name}@{one} has never been set" : $"no alias of {name} has been set");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("WHEN", "ALIAS", "MOVE", "WHO", "WHY");
            foreach (var move in moves)
            {
                table.AddRow(RunArguments.Time(move.At.ToUnixTimeMilliseconds()), Markup.Escape(move.Alias),
                    $"{(move.From is { } from ? from.ToString(CultureInfo.InvariantCulture) : "(new)")} → {move.To.ToString(CultureInfo.InvariantCulture)}{(move.Rollback ? " (rollback)" : "")}",
                    Markup.Escape(move.Actor), Markup.Escape(move.Reason ?? ""));
            }

            cli.Console(cli.Out).Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary><c>email-subjects@production: 1 → 3 (by alice: better rougeL)</c>.</summary>
    internal static string MoveLine(AliasMove move) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{move.Model}@{move.Alias}: {(move.From is { } from ? from.ToString(CultureInfo.InvariantCulture) : "(new)")} → {move.To}{(move.Rollback ? " (rollback)" : "")} (by {move.Actor}{(move.Reason is { } why ? $": {why}" : "")})");

    private static string Who(string? given) => Reviews.LocalReviewer.Identity(given).Name;

    private static string Metrics(JsonObject? metrics) =>
        metrics is null ? "" : string.Join(", ", metrics.Where(p => p.Value is JsonValue).Take(4).Select(p => $"{p.Key} {Number(p.Value!)}"));

    /// <summary>A metric as a table shows it: four significant digits (the JSON keeps them all).</summary>
    private static string Number(JsonNode value) =>
        value is JsonValue v && v.TryGetValue<double>(out var number) ? number.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : value.ToJsonString();

    private static async Task<T> Explained<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (RegistryException e)
        {
            throw new UserError(e.Message, e.Hint);
        }
    }

    /// <summary>What is missing: the model when it is not registered, else <paramref name="what"/> with the way to list what there is.</summary>
    private static async Task<UserError> MissingAsync(IModelRegistry registry, string model, string? what, CancellationToken ct) =>
        await registry.GetModelAsync(model, ct) is null
            ? new UserError($"no model named '{model}' is registered", "`pipelines registry list` shows the registered models")
            : new UserError(what!, $"`pipelines registry versions {model}` lists its versions and aliases");
}
