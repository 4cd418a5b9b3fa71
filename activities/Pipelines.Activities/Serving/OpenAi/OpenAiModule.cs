using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Api;
using Pipelines.Runtime;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// The OpenAI-compatible endpoint of <c>pipelines serve</c> (<c>/v1/models</c>, <c>/v1/completions</c>,
/// <c>/v1/chat/completions</c>, <c>/v1/feedback</c>) over the models of the <c>Serving</c> section, each behind a
/// continuous batcher and following its alias as it moves, the list of served models and the request log under <c>/api/monitoring</c>. <c>/v1</c>
/// calls need role <c>inference</c> (or <c>admin</c>) when tokens are configured and are held to the section's limits;
/// the log needs viewer. The served models' windows are measured for <c>monitor</c> triggers and the <c>/metrics</c> gauges
/// (<see cref="ServedModelMonitor"/>). <paramref name="time"/> drives the alias refresh (the system clock unless a test gives its own).
/// </summary>
public sealed class OpenAiModule(IEnumerable<string> models, TimeProvider? time = null) : IApiModule
{
    private ServingSettings _settings = new();

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        _settings = ServingSettings.Read(configuration, models);
        var settings = _settings;
        services.AddSingleton(settings);
        services.AddSingleton(provider => new ServedModels(provider.GetRequiredService<RunEngine>(), settings, time ?? TimeProvider.System, provider.GetRequiredService<ILogger<ServedModels>>()));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<ServedModels>());
        services.AddSingleton(provider => new ServedModelMonitor(provider.GetRequiredService<ServedModels>(), settings, provider.GetRequiredService<ILogger<ServedModelMonitor>>()));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<ServedModelMonitor>());
        services.AddSingleton<global::Pipelines.Monitoring.IModelMonitor>(provider => provider.GetRequiredService<ServedModelMonitor>());
        if (settings.RequestsPerMinute is { } perMinute)
            services.Configure<RateLimiterOptions>(options => options.AddPolicy(OpenAiRateLimit.Name, new OpenAiRateLimit(perMinute)));
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        var v1 = routes.MapGroup("/v1");
        if (_settings.RequestsPerMinute is not null) v1.RequireRateLimiting(OpenAiRateLimit.Name);
        v1.MapGet("/models", OpenAiEndpoints.Models).WithMetadata(new RequiresRole(ApiRoles.Inference));
        v1.MapPost("/completions", OpenAiEndpoints.CompletionsAsync).WithMetadata(new RequiresRole(ApiRoles.Inference));
        v1.MapPost("/chat/completions", OpenAiEndpoints.ChatCompletionsAsync).WithMetadata(new RequiresRole(ApiRoles.Inference));
        v1.MapPost("/feedback", OpenAiEndpoints.FeedbackAsync).WithMetadata(new RequiresRole(ApiRoles.Inference));
        routes.MapGet("/api/monitoring/models", MonitoringEndpoints.Served).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        routes.MapGet("/api/monitoring/models/{model}/requests", OpenAiEndpoints.RequestsAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        routes.MapGet("/api/monitoring/models/{model}", MonitoringEndpoints.WindowAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
    }
}
