using System.CommandLine;
using Pipelines.Api;
using Pipelines.Runtime;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines serve</c>: the HTTP API and a worker executing the runs it starts, in one host, until Ctrl+C or SIGTERM
/// (which detach running runs; the next start resumes them). <c>pipelines models serve NAME@ALIAS...</c> starts the same
/// host for those models (<see cref="ForModels"/>).
/// </summary>
public static class ServeCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var (urls, maxParallel) = (Urls(), MaxParallel());
        var models = new Option<string[]>("--model")
        {
            Description = "Serve a registered model on the OpenAI-compatible /v1 endpoint: NAME@ALIAS (its int8 export), NAME@ALIAS#VARIANT or NAME/VERSION; repeat for more (also Serving:Models)",
            AllowMultipleArgumentsPerToken = false,
        };
        var scheduleStore = new Option<string?>("--schedule-store")
        {
            Description = "A PostgreSQL database shared by several servers, so each schedule fires once across them: postgres://USER:PASSWORD@HOST:5432/DATABASE (default: schedules in memory, one server)",
        };
        var noWorker = new Option<bool>("--no-worker")
        {
            Description = "With --store: run no steps in this server (it still serves the API and coordinates runs; `pipelines worker` processes run the steps)",
        };
        var command = new Command("serve", "Serve the HTTP API and execute the runs it starts (Ctrl+C stops; running runs stay resumable)")
        {
            urls, maxParallel, models, scheduleStore, noWorker,
        };
        command.SetAction((result, ct) => RunAsync(context(result), result.GetValue(urls), result.GetValue(maxParallel), result.GetValue(models) ?? [], ct,
            result.GetValue(scheduleStore), result.GetValue(noWorker)));
        return command;
    }

    /// <summary><c>models serve NAME@ALIAS[#VARIANT]...</c>: <c>serve --model</c> for each, the models as arguments.</summary>
    public static Command ForModels(Func<ParseResult, CliContext> context)
    {
        var (urls, maxParallel) = (Urls(), MaxParallel());
        var models = new Argument<string[]>("models")
        {
            Description = "Registered models: NAME@ALIAS (its int8 export, else fp32), NAME@ALIAS#VARIANT or NAME/VERSION[#VARIANT]; `models list` shows which can be served",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("serve", "Serve registered models on the OpenAI-compatible /v1 endpoint, with the HTTP API (`serve --model` for each; Ctrl+C stops)")
        {
            models, urls, maxParallel,
        };
        command.SetAction((result, ct) => RunAsync(context(result), result.GetValue(urls), result.GetValue(maxParallel), result.GetValue(models) ?? [], ct));
        return command;
    }

    private static Option<string[]> Urls() => new("--urls")
    {
        Description = $"Addresses to listen on (repeatable, or ';'-separated; default {ApiHostOptions.DefaultUrl}). Without Auth:Tokens only loopback is allowed",
        AllowMultipleArgumentsPerToken = false,
    };

    private static Option<int?> MaxParallel() => new("--max-parallel") { Description = "Steps running at once across all runs (default: number of cores)" };

    private static async Task<int> RunAsync(CliContext cli, string[]? urls, int? maxParallel, string[] models, CancellationToken ct, string? scheduleStore = null,
        bool noWorker = false)
    {
        if (noWorker && cli.SharedStore is null)
        {
            throw new UserError("--no-worker needs --store: a server on the embedded database is the only one that can run its steps",
                "drop --no-worker, or give --store postgres://... and start `pipelines worker` processes on the same store");
        }

        var options = new ApiHostOptions
        {
            // A shared store keeps the schedules too (clustered), unless they are given a database of their own.
            ScheduleStore = scheduleStore ?? cli.SharedStore,
            DataDirectory = cli.DataDirectory,
            Urls = urls is { Length: > 0 } given ? given : [ApiHostOptions.DefaultUrl],
            Runtime = CliContext.RuntimeOptions(maxParallel) with { SharedStore = cli.SharedStore, ExecutesSteps = !noWorker },
            Modules = [new Activities.Serving.OpenAi.OpenAiModule(models)],
        };

        ApiServer server;
        try
        {
            server = await ApiHost.BuildAsync(options, cli.Catalog, ct);
        }
        catch (ApiConfigurationException e)
        {
            throw new UserError(e.Message, e.Hint);
        }

        await using (server)
        {
            await cli.Error.WriteLineAsync($"data {cli.DataDirectory}; " + (server.TokenCount > 0
                ? $"bearer auth on ({server.TokenCount} token{(server.TokenCount == 1 ? "" : "s")})"
                : "no Auth:Tokens configured, so the API is open to this machine only")
                + $"; steps read local files only under {string.Join(", ", server.Engine.FileRoots?.Folders ?? [])} (Files:Roots)");
            try
            {
                await server.RunAsync(ct);
            }
            catch (ApiConfigurationException e)
            {
                // A served model that cannot be loaded stops the start-up (Activities.Serving.OpenAi.ServedModels).
                throw new UserError(e.Message, e.Hint);
            }
            catch (IOException e)
            {
                // Kestrel reports an address in use (or not assignable) as an IOException.
                throw new UserError($"cannot listen on {string.Join(", ", server.Urls)}: {e.Message}", "pick another address with --urls");
            }

            await cli.Error.WriteLineAsync("stopped; runs still in progress were detached and resume on the next start");
        }

        return ExitCodes.Ok;
    }
}
