using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Cli.Monitoring;

/// <summary>
/// Reads <c>GET /api/monitoring/models/{model}?window=N</c> of a running <c>serve</c>; every way that can fail becomes a
/// <see cref="UserError"/> naming the URL and the fix.
/// </summary>
public sealed class MonitoringClient(Uri server, string model, int? window, string? token) : IDisposable
{
    /// <summary>Where the bearer token is read from when <c>--token</c> is not given.</summary>
    public const string TokenVariable = "PIPELINES_TOKEN";

    private readonly HttpClient _http = new() { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The server's address, as given.</summary>
    public Uri Server => server;

    public Uri Url { get; } = new(server, $"api/monitoring/models/{Uri.EscapeDataString(model)}" + (window is { } n ? $"?window={n}" : ""));

    public async Task<JsonNode> ReadAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        if (token is { Length: > 0 }) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Unreachable($"no answer in {_http.Timeout.TotalSeconds:0} seconds");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            JsonNode? json = null;
            try
            {
                json = JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                // Not the API's JSON: said below by status.
            }

            if (response.IsSuccessStatusCode && json is JsonObject) return json;
            var (error, hint) = ((string?)json?["error"], (string?)json?["hint"]);
            throw response.StatusCode switch
            {
                HttpStatusCode.NotFound when error is not null => new UserError($"{error} ({server})",
                    $"{hint}; serve it with `pipelines models serve {model}` (or `serve --model {model}`), or point --server at the server that does"),
                HttpStatusCode.NotFound => new UserError($"{server} has no monitoring endpoint ({Url.AbsolutePath})",
                    "is it a pipelines server? start one with `pipelines models serve NAME@ALIAS`, or pass --server URL"),
                HttpStatusCode.Unauthorized => new UserError($"{server} needs a bearer token: {error ?? "401 Unauthorized"}",
                    $"pass --token SECRET or set {TokenVariable} to a token with role viewer (Auth:Tokens)"),
                HttpStatusCode.Forbidden => new UserError($"{server} refused the token: {error ?? "403 Forbidden"}", hint ?? "use a token with role viewer"),
                _ => new UserError($"{Url} answered {(int)response.StatusCode} {response.ReasonPhrase}{(error is null ? "" : $": {error}")}",
                    hint ?? "check the server's log", (int)response.StatusCode >= 500 ? ExitCodes.Failed : ExitCodes.InvalidInput),
            };
        }
    }

    private UserError Unreachable(string why) =>
        new($"cannot reach {server}: {why}",
            $"start the server (`pipelines models serve NAME@ALIAS`, or `serve --model NAME@ALIAS`) or pass --server with its address",
            ExitCodes.Failed);

    public void Dispose() => _http.Dispose();
}
