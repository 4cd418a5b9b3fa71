using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Hosting;
using Pipelines.Activities;
using Pipelines.Runtime;
using Pipelines.Schedules;

namespace Pipelines.Api;

/// <summary>
/// Builds the <c>pipelines serve</c> host: configuration (appsettings.json, environment, <see cref="ApiHostOptions.Settings"/>),
/// the start-up checks (tokens valid; without tokens, loopback addresses only), the runtime as a singleton, the
/// <see cref="RunWorker"/>, bearer-token auth, the routes of <see cref="PipelinesApi"/> and the designer's files
/// (<see cref="DesignerFiles"/>).
/// </summary>
public static class ApiHost
{
    /// <summary>How long stopping waits for running runs to detach before the host gives up on them.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Checks the configuration, opens the runtime and builds the server (not started). Throws
    /// <see cref="ApiConfigurationException"/> before touching the data directory when it cannot serve safely.
    /// </summary>
    public static async Task<ApiServer> BuildAsync(ApiHostOptions options, ActivityCatalog catalog, CancellationToken ct = default)
    {
        var urls = ListenAddresses.Split(options.Urls);
        if (urls.Count == 0) throw new ApiConfigurationException("no address to listen on", $"pass --urls {ApiHostOptions.DefaultUrl}");
        ListenAddresses.EnsureValid(urls); // before the authentication rule, which would call a malformed address "exposed"

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(options.Settings);
        var auth = ReadAuth(builder.Configuration);
        var validation = ReadValidation(builder.Configuration);
        ListenAddresses.EnsureSafe(urls, auth.Tokens.Count > 0);
        var scheduleStore = options.ScheduleStore is { } store ? Persistence.Postgres.PostgresAddress.Parse(store, "--schedule-store") : null;
        // A hosted service always confines local paths: to the data directory, and to the roots configured.
        var runtime = options.Runtime with { FileRoots = [.. options.Runtime.FileRoots ?? [], .. ReadFileRoots(builder.Configuration)] };

        builder.WebHost.UseUrls([.. urls]);
        builder.Logging.ClearProviders();
        if (options.ConsoleLogging) Hosting.HostLogging.UseConsole(builder.Logging);

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true); // `serve` prints its own lines
        // Binding failures (e.g. ?limit=abc) become exceptions, so they get the same JSON error as everything else.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddSingleton(new TokenAuthenticator(auth));
        builder.Services.AddSingleton(new ValidationGate(validation));
        builder.Services.AddSingleton<RunQueue>();
        builder.Services.AddHostedService<RunWorker>();
        // After the worker: start-up catch-up runs are enqueued to it. Review deadlines fire through the same Quartz.
        builder.Services.AddPipelineSchedules(scheduleStore, Reviews.ReviewDeadlineJob.Configure);
        builder.Services.AddObservability();
        builder.Services.AddRateLimiter(_ => { }); // policies come from modules (the OpenAI endpoint's per-token limit)

        var engine = await RunEngine.OpenAsync(options.DataDirectory, catalog, runtime, ct: ct);
        builder.Services.AddSingleton(engine);
        foreach (var module in options.Modules) module.ConfigureServices(builder.Services, builder.Configuration);

        var app = builder.Build();
        app.Use(JsonErrorsAsync);
        DesignerFiles.Map(app, options.DesignerRoot ?? DesignerFiles.Locate(builder.Configuration));
        app.UseRouting();
        app.UseMiddleware<BearerAuthMiddleware>();
        app.UseRateLimiter(); // after authentication: limits are per token
        PipelinesApi.Map(app);
        foreach (var module in options.Modules) module.Map(app);
        return new ApiServer(app, engine, urls, auth.Tokens.Count);
    }

    /// <summary>The <c>Auth</c> section; throws <see cref="ApiConfigurationException"/> listing every problem with the tokens.</summary>
    public static AuthOptions ReadAuth(IConfiguration configuration)
    {
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var problems = auth.Problems();
        if (problems.Count > 0)
        {
            throw new ApiConfigurationException($"Auth:Tokens is not usable: {string.Join("; ", problems)}",
                $"each token needs a Name, a Secret of {ApiToken.MinSecretLength}+ characters and Roles from {string.Join(", ", ApiRoles.All)}");
        }

        return auth;
    }

    /// <summary>
    /// <c>Files:Roots</c>: folders besides the data directory that inputs naming local files may reach
    /// (<see cref="FileRoots"/>); <c>Files__Roots__0=/srv/data</c> in the environment. Throws
    /// <see cref="ApiConfigurationException"/> listing every root that is not an existing folder given as an absolute path.
    /// </summary>
    public static IReadOnlyList<string> ReadFileRoots(IConfiguration configuration)
    {
        var roots = configuration.GetSection("Files:Roots").Get<string[]>() ?? [];
        var problems = roots.Select((root, i) =>
                !Path.IsPathFullyQualified(root) ? $"Files:Roots:{i} '{root}' is not an absolute path"
                : !Directory.Exists(root) ? $"Files:Roots:{i} {root} is not an existing folder"
                : null)
            .OfType<string>().ToList();
        if (problems.Count > 0)
        {
            throw new ApiConfigurationException($"Files:Roots is not usable: {string.Join("; ", problems)}",
                "give folders that exist, as absolute paths (Files__Roots__0=/srv/data)");
        }

        return roots;
    }

    /// <summary>The <c>Validation</c> section; throws <see cref="ApiConfigurationException"/> listing every problem with it.</summary>
    public static ValidationOptions ReadValidation(IConfiguration configuration)
    {
        var validation = configuration.GetSection(ValidationOptions.Section).Get<ValidationOptions>() ?? new ValidationOptions();
        var problems = validation.Problems();
        if (problems.Count > 0)
        {
            throw new ApiConfigurationException($"{ValidationOptions.Section} is not usable: {string.Join("; ", problems)}",
                "MaxConcurrent is a count of 1 or more; QueueTimeout and TimeLimit are durations such as 00:00:10");
        }

        return validation;
    }

    /// <summary>Turns anything thrown by an endpoint into a JSON error: 400 for an unreadable request, 500 otherwise; never a trace.</summary>
    private static async Task JsonErrorsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await ApiErrors.Write(context, e.StatusCode, e.Message, "check the query string and body against the API reference");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiHost))
                .LogError("{Method} {Path} failed ({Type}): {Message}", context.Request.Method, context.Request.Path, e.GetType().Name, e.Message);
            await ApiErrors.Write(context, StatusCodes.Status500InternalServerError, "the server hit an unexpected error",
                "this is a bug in pipelines; the server's log has the details");
        }
    }
}
