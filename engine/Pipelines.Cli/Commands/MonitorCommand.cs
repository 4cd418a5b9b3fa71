using System.CommandLine;
using System.Globalization;
using Pipelines.Api;
using Pipelines.Cli.Monitoring;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines monitor NAME@ALIAS</c>: a served model's monitoring window (<c>/api/monitoring/models/{model}</c> of a
/// running <c>serve</c>) drawn as a live terminal view, read again every interval until Ctrl+C; <c>--once</c> prints
/// one frame. Off a terminal each read prints a frame in plain text, so it pipes and logs. The first read must
/// succeed (an unreachable server or a model it does not serve is an error naming the fix); later failures keep the
/// last figures on screen with the reason, and reading goes on.
/// </summary>
public static class MonitorCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var model = new Argument<string>("model") { Description = "A served model, as `serve` was given it: NAME@ALIAS (or NAME@ALIAS#VARIANT)" };
        var server = new Option<string>("--server") { Description = $"The running server's address (default {ApiHostOptions.DefaultUrl}, `serve`'s)", DefaultValueFactory = _ => ApiHostOptions.DefaultUrl };
        var token = new Option<string?>("--token") { Description = $"A bearer token with role viewer, when the server has Auth:Tokens (default: ${MonitoringClient.TokenVariable})" };
        var window = new Option<int?>("--window") { Description = "How many of the latest requests the figures cover (default: the server's, 500)" };
        var interval = new Option<double>("--interval") { Description = "Seconds between reads", DefaultValueFactory = _ => 2 };
        var once = new Option<bool>("--once") { Description = "Print one frame and exit" };
        var command = new Command("monitor", "A live view of a served model: requests/s, tokens/s, latency percentiles, drift against its training data and quality (Ctrl+C quits)")
        {
            model, server, token, window, interval, once,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var seconds = result.GetValue(interval);
            if (!(seconds >= 0.1)) throw new UserError($"--interval must be at least 0.1 seconds, not {seconds.ToString(CultureInfo.InvariantCulture)}");
            if (result.GetValue(window) is < 1 or > 100_000) throw new UserError("--window must be from 1 to 100000 requests");
            var address = result.GetValue(server)!;
            if (!Uri.TryCreate(address.EndsWith('/') ? address : address + "/", UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw new UserError($"--server '{address}' is not an http(s) address", $"write it as `serve` prints it, e.g. {ApiHostOptions.DefaultUrl}");

            using var client = new MonitoringClient(url, result.GetValue(model)!, result.GetValue(window),
                result.GetValue(token) ?? Environment.GetEnvironmentVariable(MonitoringClient.TokenVariable));
            var first = await client.ReadAsync(ct);
            if (result.GetValue(once))
            {
                cli.Console(cli.Out).Write(MonitorFrame.Render(first, DateTimeOffset.UtcNow, null));
                return ExitCodes.Ok;
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            ConsoleCancelEventHandler quit = (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += quit;
            try
            {
                await WatchAsync(cli, client, first, TimeSpan.FromSeconds(seconds), stop.Token);
            }
            finally
            {
                Console.CancelKeyPress -= quit;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Reads and draws every <paramref name="interval"/> until <paramref name="ct"/> is cancelled (Ctrl+C).</summary>
    private static async Task WatchAsync(CliContext cli, MonitoringClient client, System.Text.Json.Nodes.JsonNode first, TimeSpan interval, CancellationToken ct)
    {
        var caption = $"reading {client.Server} every {interval.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s; Ctrl+C quits";
        var (latest, readAt) = (first, DateTimeOffset.UtcNow);
        async Task<string> NextAsync()
        {
            await Task.Delay(interval, ct);
            try
            {
                (latest, readAt) = (await client.ReadAsync(ct), DateTimeOffset.UtcNow);
                return caption;
            }
            catch (UserError e)
            {
                return $"{e.Message}; showing the figures of {readAt.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture)} and trying again";
            }
        }

        try
        {
            if (!CliContext.IsTerminal(cli.Out))
            {
                var plain = cli.Console(cli.Out);
                plain.Write(MonitorFrame.Render(latest, readAt, null));
                while (true)
                {
                    var said = await NextAsync();
                    plain.WriteLine();
                    plain.Write(MonitorFrame.Render(latest, readAt, said == caption ? null : said));
                }
            }

            await cli.Console(cli.Out, live: true).Live(MonitorFrame.Render(latest, readAt, caption))
                .AutoClear(false)
                .Overflow(VerticalOverflow.Ellipsis)
                .StartAsync(async live =>
                {
                    while (true) live.UpdateTarget(MonitorFrame.Render(latest, readAt, await NextAsync()));
                });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C: the last frame stays on screen.
        }
    }
}
