using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Bench.Deploy;

/// <summary>One streamed completion as its client saw it: time to the first text, then the mean gap per further token; its prompt and the text it got.</summary>
public sealed record StreamedCompletion(double TimeToFirstToken, double TimePerOutputToken, int CompletionTokens, int TextChunks, string Prompt, string Text);

/// <summary>What <see cref="StreamedLoad.DriveAsync"/> measured at one concurrency: total tokens over wall time and each request's timings.</summary>
public sealed record StreamedLoadResult(int Streams, IReadOnlyList<StreamedCompletion> Completions, double Seconds, double ClientCpuSeconds)
{
    /// <summary>CPU time the server process used over the run, when the caller measured it.</summary>
    public double ServerCpuSeconds { get; init; }

    public int Tokens => Completions.Sum(c => c.CompletionTokens);

    public double TokensPerSecond => Tokens / Seconds;

    public double TimeToFirstToken(double quantile) => Quantile(Completions.Select(c => c.TimeToFirstToken), quantile);

    public double TimePerOutputToken(double quantile) => Quantile(Completions.Where(c => c.CompletionTokens > 1).Select(c => c.TimePerOutputToken), quantile);

    /// <summary>Nearest rank, as vLLM's benchmark reports percentiles of few requests.</summary>
    private static double Quantile(IEnumerable<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>
/// A closed-loop load on <c>/v1/completions</c> from this process: <c>streams</c> clients, each sending its requests
/// one after another (the next when the last answer ended), every request streamed over Server-Sent Events with
/// <c>stream_options.include_usage</c>. Timings are the client's, network and HTTP included: time to the first chunk
/// carrying text, and time per output token as vLLM defines it, (end − first token) / (completion tokens − 1).
/// </summary>
public static class StreamedLoad
{
    public static async Task<StreamedLoadResult> DriveAsync(HttpClient http, string model, IReadOnlyList<string> prompts, int streams, int requestsPerStream, int maxTokens, CancellationToken ct)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var perStream = await Task.WhenAll(Enumerable.Range(0, streams).Select(async stream =>
        {
            var done = new List<StreamedCompletion>();
            for (var r = 0; r < requestsPerStream; r++)
                done.Add(await CompleteAsync(http, model, prompts[(stream * requestsPerStream + r) % prompts.Count], maxTokens, ct).ConfigureAwait(false));
            return done;
        })).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        self.Refresh();
        return new StreamedLoadResult(streams, perStream.SelectMany(c => c).ToList(), seconds, (self.TotalProcessorTime - cpu).TotalSeconds);
    }

    private static async Task<StreamedCompletion> CompleteAsync(HttpClient http, string model, string prompt, int maxTokens, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["prompt"] = prompt,
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"/v1/completions answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        double? firstToken = null;
        var tokens = -1;
        var chunks = 0;
        var text = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            if (line == "data: [DONE]") break;
            var chunk = JsonNode.Parse(line.AsSpan(6).ToString())!;
            if (chunk["choices"] is JsonArray { Count: > 0 } choices && choices[0]!["text"]?.GetValue<string>() is { Length: > 0 } delta)
            {
                firstToken ??= clock.Elapsed.TotalSeconds;
                chunks++;
                text.Append(delta);
            }

            if (chunk["usage"] is JsonObject usage) tokens = usage["completion_tokens"]!.GetValue<int>();
        }

        var end = clock.Elapsed.TotalSeconds;
        if (tokens < 0) throw new InvalidOperationException("the stream ended without its usage chunk");
        var first = firstToken ?? end;
        return new StreamedCompletion(first, tokens > 1 ? (end - first) / (tokens - 1) : 0, tokens, chunks, prompt, text.ToString());
    }
}
