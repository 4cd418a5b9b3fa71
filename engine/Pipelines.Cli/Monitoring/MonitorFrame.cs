using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipelines.Cli.Monitoring;

/// <summary>
/// One frame of <c>pipelines monitor</c>, drawn from the monitoring window's JSON: a heading (model, version, window),
/// traffic (requests and tokens per second over the window and the last minute), latency percentiles, finish
/// reasons, each drift feature with its value, thresholds and status, and the quality rates. The same renderable is
/// redrawn live on a terminal and printed as plain text elsewhere.
/// </summary>
public static class MonitorFrame
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <param name="window">The JSON of <c>/api/monitoring/models/{model}</c>.</param>
    /// <param name="at">When it was read.</param>
    /// <param name="caption">A last line (how to stop, or why the figures are stale); null for none.</param>
    public static IRenderable Render(JsonNode window, DateTimeOffset at, string? caption)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Escape(window["model"])}[/]  version {Escape(window["version"])} ({Escape(window["variant"])})  "
                + $"window {Count(window["requests"])} requests, {Count(window["sampled"])} sampled  [dim]{at.UtcDateTime.ToString("HH:mm:ss'Z'", C)}[/]"),
        };
        if (window["traffic"] is JsonObject traffic) rows.AddRange(Traffic(traffic));
        rows.Add(Drift(window["drift"], (string?)window["driftNote"]));
        if (window["quality"] is JsonObject quality) rows.Add(Quality(quality));
        if (caption is not null) rows.Add(new Markup($"[dim]{Markup.Escape(caption)}[/]"));
        return new Rows(rows);
    }

    private static IEnumerable<IRenderable> Traffic(JsonObject traffic)
    {
        var rates = new Table().Border(TableBorder.Simple).AddColumns("TRAFFIC", "REQUESTS", "REQUESTS/S", "OUTPUT TOKENS/S", "PROMPT TOKENS/S");
        foreach (var (label, rate) in new[] { ($"window ({Seconds(traffic["window"]?["seconds"])})", traffic["window"]), ("last minute", traffic["lastMinute"]) })
        {
            rates.AddRow(Markup.Escape(label), Count(rate?["requests"]), Rate(rate?["requestsPerSecond"]), Rate(rate?["outputTokensPerSecond"]), Rate(rate?["promptTokensPerSecond"]));
        }

        var latency = new Table().Border(TableBorder.Simple).AddColumns("LATENCY", "P50", "P90", "P99");
        foreach (var (label, key) in new[] { ("end to end", "latencySeconds"), ("time to first token", "timeToFirstTokenSeconds"), ("time per output token", "timePerOutputTokenSeconds") })
        {
            var p = traffic[key];
            latency.AddRow(label, Seconds(p?["p50"]), Seconds(p?["p90"]), Seconds(p?["p99"]));
        }

        var finished = traffic["finishReasons"] as JsonObject;
        return
        [
            rates,
            latency,
            new Markup("finish reasons  " + (finished is null || finished.Count == 0 ? "(none yet)"
                : Markup.Escape(string.Join(", ", finished.Select(f => $"{f.Key} {Count(f.Value)}"))))),
        ];
    }

    private static IRenderable Drift(JsonNode? drift, string? note)
    {
        if (drift?["features"] is not JsonArray features) return new Markup($"drift  [dim]{Markup.Escape(note ?? "not measured")}[/]");
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns($"DRIFT ({Count(drift["samples"])} prompts)", "STATISTIC", "VALUE", "WARN AT", "DRIFT AT", "STATUS");
        foreach (var feature in features)
        {
            table.AddRow(Escape(feature?["feature"]), Escape(feature?["statistic"]), Number(feature?["value"]), Number(feature?["warnAt"]), Number(feature?["driftAt"]),
                Status((string?)feature?["status"]));
        }

        table.AddRow("overall", "", "", "", "", Status((string?)drift["status"]));
        return table;
    }

    private static IRenderable Quality(JsonObject quality) =>
        new Markup($"quality ({Count(quality["requests"])} sampled)  toxic {Share(quality["toxicOutputRate"])}  PII leak {Share(quality["piiLeakRate"])}  "
            + $"empty {Share(quality["emptyOutputRate"])}  truncated {Share(quality["truncatedOutputRate"])}  "
            + $"mean output {Number(quality["meanOutputTokens"])} tokens  ratings {Count(quality["ratings"])}"
            + (quality["meanRating"] is { } mean ? $" (mean {Number(mean)})" : ""));

    /// <summary>A drift status in its colour: ok green, warn yellow, drift red.</summary>
    private static string Status(string? status) => status switch
    {
        "ok" => "[green]ok[/]",
        "warn" => "[yellow]warn[/]",
        "drift" => "[red bold]drift[/]",
        _ => Markup.Escape(status ?? ""),
    };

    private static string Escape(JsonNode? value) => Markup.Escape(value?.ToString() ?? "");

    private static string Count(JsonNode? value) => value is null ? "0" : Markup.Escape(value.ToJsonString());

    private static double? Double(JsonNode? value) => value is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    /// <summary>Four significant digits, as the registry's tables show metrics.</summary>
    private static string Number(JsonNode? value) => Double(value) is { } d ? d.ToString("G4", C) : "—";

    private static string Rate(JsonNode? value) => Double(value) is { } d ? d.ToString(d >= 100 ? "0" : d >= 10 ? "0.0" : "0.00", C) : "—";

    private static string Share(JsonNode? value) => Double(value) is { } d ? (d * 100).ToString("0.0", C) + "%" : "—";

    /// <summary>A time in the unit that reads best: 850 µs, 12.3 ms, 1.25 s, 95 s.</summary>
    private static string Seconds(JsonNode? value) => Double(value) is not { } d ? "—" : d switch
    {
        < 0.001 => (d * 1e6).ToString("0", C) + " µs",
        < 1 => (d * 1e3).ToString(d < 0.01 ? "0.00" : d < 0.1 ? "0.0" : "0", C) + " ms",
        < 60 => d.ToString("0.00", C) + " s",
        _ => d.ToString("0", C) + " s",
    };
}
