using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Serving.OpenAi;
using Pipelines.Artifacts;
using Pipelines.Registry;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines models list</c>: the registry read as a server would — every version of every model with its aliases
/// and its variants (each one's size and whether it is an ONNX export here), and the reference
/// <c>models serve</c> takes for it. A variant is servable when its files are in this data directory (or on this
/// machine) and hold <c>model.onnx</c>, as <see cref="ServedModels"/> requires.
/// </summary>
public static class ModelListCommand
{
    /// <summary>One form of a version: a variant (int8, fp32, ...) or its source under its own variant name.</summary>
    private sealed record Variant(string Name, string Source, long? Bytes, bool Onnx);

    /// <summary><paramref name="ExportedWhenServed"/>: no variant at all, but a model folder that <c>serve</c> exports to ONNX the first time.</summary>
    private sealed record Version(ModelVersion Registered, IReadOnlyList<string> Aliases, IReadOnlyList<Variant> Variants, string? ServeAs, bool ExportedWhenServed);

    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("list", "The registered models' versions with their aliases and variants: size, whether each is an ONNX export `models serve` can load, and the reference to serve") { json };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var registry = await cli.RegistryAsync(ct);
            var artifacts = await cli.ArtifactsAsync(ct);
            var models = new List<(RegisteredModel Model, IReadOnlyList<Version> Versions)>();
            foreach (var model in await registry.ListModelsAsync(ct))
            {
                var versions = await registry.ListVersionsAsync(model.Name, ct);
                models.Add((model, [.. versions.Select(v => Describe(model, v, artifacts))]));
            }

            if (result.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonOutput.Format(new JsonArray([.. models.Select(m => (JsonNode)Json(m.Model, m.Versions))])));
                return ExitCodes.Ok;
            }

            if (models.Count == 0)
            {
                await cli.Error.WriteLineAsync("no models are registered (deploy.promote registers them)");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("MODEL", "VERSION", "ALIASES", "VARIANTS", "SERVE AS");
            foreach (var (model, versions) in models)
            {
                foreach (var version in versions)
                {
                    table.AddRow(Markup.Escape(model.Name), version.Registered.Version.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(", ", version.Aliases)),
                        Markup.Escape(version.Variants.Count == 0 ? "(none)" : string.Join(", ", version.Variants.Select(Text))),
                        Markup.Escape(version.ServeAs is null ? "(no ONNX export)" : version.ExportedWhenServed ? $"{version.ServeAs} (exported when first served)" : version.ServeAs));
                }
            }

            cli.Console(cli.Out).Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary><c>int8 1.2 MiB onnx</c>, <c>fp32 4.0 MiB</c>, <c>int4 (not here)</c>.</summary>
    private static string Text(Variant variant) =>
        variant.Bytes is { } bytes ? $"{variant.Name} {ArtifactsCommand.Size(bytes, exact: false)}{(variant.Onnx ? " onnx" : "")}" : $"{variant.Name} (not here)";

    private static Version Describe(RegisteredModel model, ModelVersion version, ArtifactStore artifacts)
    {
        var aliases = model.Aliases.Where(a => a.Value == version.Version).Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        var named = version.Variants.Select(v => (v.Key, v.Value)).ToList();
        // The source is a variant too when it was registered as one (SourceIn serves NAME/1#fp32 from it).
        if (version.Variant is { } own && !version.Variants.ContainsKey(own)) named.Add((own, version.Source));
        var variants = named.Select(v => Inspect(v.Key, v.Value, artifacts)).ToList();

        // What `models serve` would load: the default variant (int8, else fp32) when it is an export, else the first export by name.
        var name = aliases.Count > 0 ? $"{model.Name}@{(aliases.Contains("production") ? "production" : aliases[0])}" : $"{model.Name}/{version.Version}";
        var fallback = ServedModels.DefaultVariant(version);
        var serveAs = variants.Any(v => v.Name == fallback && v.Onnx) ? name
            : variants.Where(v => v.Onnx).OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => $"{name}#{v.Name}").FirstOrDefault();
        // No export to serve, but a model folder: serve exports it once, as fp32 (ServedModels.ExportOnce).
        var exported = serveAs is null && fallback is null && ServedModels.ExportableFolder(version, artifacts) is not null;
        return new Version(version, aliases, variants, exported ? name : serveAs, exported);
    }

    /// <summary>A variant's size and whether it is an ONNX export, when its files are here (a stored artifact or a local path).</summary>
    private static Variant Inspect(string name, string source, ArtifactStore artifacts)
    {
        var path = artifacts.LocalPathOf(source);
        if (path is null || !Path.Exists(path)) return new Variant(name, source, null, false);
        var bytes = File.Exists(path) ? new FileInfo(path).Length
            : new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return new Variant(name, source, bytes, Directory.Exists(path) && OnnxExport.FolderIn(path) is not null);
    }

    /// <summary>The registry's own JSON of the model and of each version (<see cref="RegistryJson"/>), each version with its aliases, its variants' files here and the reference to serve.</summary>
    private static JsonObject Json(RegisteredModel model, IReadOnlyList<Version> versions)
    {
        var json = RegistryJson.Model(model);
        json["versions"] = RegistryJson.Array(versions, v =>
        {
            var version = RegistryJson.Version(v.Registered);
            version["aliases"] = new JsonArray([.. v.Aliases.Select(a => (JsonNode)JsonValue.Create(a))]);
            version["files"] = RegistryJson.Array(v.Variants, x => new JsonObject { ["variant"] = x.Name, ["source"] = x.Source, ["bytes"] = x.Bytes, ["onnx"] = x.Onnx });
            version["serveAs"] = v.ServeAs;
            version["exportedWhenServed"] = v.ExportedWhenServed;
            return version;
        });
        return json;
    }
}
