using System.CommandLine;
using Pipelines.Api;
using Pipelines.Runtime;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines serve</c>: the HTTP API and a worker executing the runs it starts, in one host, until Ctrl+C or SIGTERM
/// (which detach running runs; the next start resumes them).
/// </summary>
public static class ServeCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var urls = new Option<string[]>("--urls")
        {
            Description = $"Addresses to listen on (repeatable, or ';'-separated; default {ApiHostOptions.DefaultUrl}). Without Auth:Tokens only loopback is allowed",
            AllowMultipleArgumentsPerToken = false,
        };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "Steps running at once across all runs (default: number of cores)" };
        var models = new Option<string[]>("--model")
        {
            Description = "Serve a registered model on the OpenAI-compatible /v1 endpoint: NAME@ALIAS (its int8 export), NAME@ALIAS#VARIANT or NAME/VERSION; repeat for more (also Serving:Models)",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("serve", "Serve the HTTP API and execute the runs it starts (Ctrl+C stops; running runs stay resumable)") { urls, maxParallel, models };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var runtime = CliContext.RuntimeOptions(result.GetValue(maxParallel));

            var options = new ApiHostOptions
            {
                DataDirectory = cli.DataDirectory,
                Urls = result.GetValue(urls) is { Length: > 0 } given ? given : [ApiHostOptions.DefaultUrl],
                Runtime = runtime,
                Modules = [new Activities.Serving.OpenAi.OpenAiModule(result.GetValue(models) ?? [])],
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
        });
        return command;
    }
}
