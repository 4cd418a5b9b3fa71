using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipelines.Activities.Selection;

/// <summary>
/// Reads a model folder's licence, in the order a person would look: the model card's front matter
/// (<c>README.md</c>, <c>license:</c> — with <c>license_name:</c> when that says <c>other</c>), a <c>license</c> key in
/// <c>config.json</c>, then a licence file (LICENSE, LICENCE, COPYING, with or without .txt/.md) recognised by its text.
/// Identifiers are the Hugging Face Hub's (apache-2.0, mit, llama3.1, cc-by-4.0, ...); a licence file that is not
/// recognised gives its first line; a folder with none of these gives <c>unknown</c>.
/// </summary>
public static partial class LicenseDetector
{
    public const string Unknown = "unknown";

    private static readonly string[] LicenseFiles = ["LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "LICENCE.txt", "LICENCE.md", "COPYING", "COPYING.txt"];

    /// <summary>The licence and the file it was read from (null when unknown).</summary>
    public static (string License, string? Source) Detect(string directory)
    {
        if (FromModelCard(Path.Join(directory, "README.md")) is { } card) return (card, "README.md");
        if (FromConfig(Path.Join(directory, "config.json")) is { } config) return (config, "config.json");
        var files = Directory.Exists(directory) ? Directory.EnumerateFiles(directory).ToList() : [];
        foreach (var name in LicenseFiles)
        {
            var file = files.FirstOrDefault(f => string.Equals(Path.GetFileName(f), name, StringComparison.OrdinalIgnoreCase));
            if (file is not null && Identify(File.ReadAllText(file)) is { } license) return (license, Path.GetFileName(file));
        }

        return (Unknown, null);
    }

    /// <summary>The <c>license:</c> of a model card's YAML front matter (between the leading <c>---</c> lines).</summary>
    internal static string? FromModelCard(string path)
    {
        if (!File.Exists(path)) return null;
        var lines = File.ReadLines(path).Take(200).ToList();
        if (lines.Count == 0 || lines[0].Trim() != "---") return null;
        var end = lines.FindIndex(1, l => l.Trim() == "---");
        if (end < 0) return null;
        string? Value(string key) => lines.Skip(1).Take(end - 1)
            .Select(l => FrontMatterLine().Match(l))
            .Where(m => m.Success && m.Groups["key"].Value == key)
            .Select(m => m.Groups["value"].Value.Trim().Trim('"', '\''))
            .FirstOrDefault(v => v.Length > 0);
        var license = Value("license");
        return license == "other" && Value("license_name") is { } name ? name : license;
    }

    private static string? FromConfig(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("license", out var license)
                   && license.ValueKind == JsonValueKind.String && license.GetString() is { Length: > 0 } value ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The Hub identifier of a licence text, or its first non-empty line (cut to 80 characters) when not recognised; null for an empty file.</summary>
    internal static string? Identify(string text)
    {
        bool Has(string phrase) => text.Contains(phrase, StringComparison.OrdinalIgnoreCase);
        if (Has("Apache License") && Has("Version 2.0")) return "apache-2.0";
        if (Has("Permission is hereby granted, free of charge")) return "mit";
        if (Has("GNU AFFERO GENERAL PUBLIC LICENSE")) return "agpl-3.0";
        if (Has("GNU LESSER GENERAL PUBLIC LICENSE")) return Has("Version 2.1, February 1999") ? "lgpl-2.1" : "lgpl-3.0";
        if (Has("GNU GENERAL PUBLIC LICENSE")) return Has("Version 2, June 1991") ? "gpl-2.0" : "gpl-3.0";
        if (Has("Mozilla Public License Version 2.0") || Has("Mozilla Public License, version 2.0")) return "mpl-2.0";
        if (Has("Redistribution and use in source and binary forms"))
            return Has("Neither the name") || Has("endorse or promote") ? "bsd-3-clause" : "bsd-2-clause";
        if (Has("This is free and unencumbered software released into the public domain")) return "unlicense";
        if (LlamaLicense().Match(text) is { Success: true } llama) return "llama" + llama.Groups["version"].Value;
        if (Has("Gemma Terms of Use")) return "gemma";
        if (CreativeCommons().Match(text) is { Success: true } cc)
        {
            var parts = cc.Groups["parts"].Value.ToLowerInvariant().Replace("attribution", "by", StringComparison.Ordinal)
                .Replace("noncommercial", "nc", StringComparison.Ordinal).Replace("sharealike", "sa", StringComparison.Ordinal)
                .Replace("noderivatives", "nd", StringComparison.Ordinal).Replace(' ', '-');
            return $"cc-{parts}-{cc.Groups["version"].Value}";
        }

        var first = text.Split('\n').Select(l => l.Trim().Trim('#', '*', ' ')).FirstOrDefault(l => l.Length > 0);
        return first is null ? null : first.Length <= 80 ? first : first[..80].TrimEnd() + "…";
    }

    [GeneratedRegex(@"^(?<key>[A-Za-z_]+)\s*:(?<value>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex FrontMatterLine();

    // "LLAMA 2 COMMUNITY LICENSE AGREEMENT", "Llama 3.1 Community License Agreement"
    [GeneratedRegex(@"LLAMA\s+(?<version>\d+(?:\.\d+)?)\s+COMMUNITY\s+LICENSE", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LlamaLicense();

    // "Attribution-NonCommercial-ShareAlike 4.0 International", as the Creative Commons legal codes are titled
    [GeneratedRegex(@"(?<parts>Attribution(?:[- ](?:NonCommercial|ShareAlike|NoDerivatives))*)\s+(?<version>\d\.\d)\s+International", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CreativeCommons();
}
