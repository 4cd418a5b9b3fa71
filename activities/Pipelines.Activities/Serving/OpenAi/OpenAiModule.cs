using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipelines.Api;
using Pipelines.Runtime;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// The OpenAI-compatible endpoint of <c>pipelines serve</c> (<c>/v1/models</c>, <c>/v1/completions</c>,
/// <c>/v1/chat/completions</c>, <c>/v1/feedback</c>) over the models of the <c>Serving</c> section, each behind a
/// continuous batcher, and the request log under <c>/api/monitoring</c>. <c>/v1</c> calls need role <c>inference</c>
/// (or <c>admin</c>) when tokens are configured; the log, viewer.
/// </summary>
public sealed class OpenAiModule(IEnumerable<string> models) : IApiModule
{
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        var settings = ServingSettings.Read(configuration, models);
        services.AddSingleton(provider => new ServedModels(provider.GetRequiredService<RunEngine>(), settings, TimeProvider.System));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<ServedModels>());
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        var v1 = routes.MapGroup("/v1");
        v1.MapGet("/models", OpenAiEndpoints.Models).WithMetadata(new RequiresRole(ApiRoles.Inference));
        v1.MapPost("/completions", OpenAiEndpoints.CompletionsAsync).WithMetadata(new RequiresRole(ApiRoles.Inference));
        v1.MapPost("/chat/completions", OpenAiEndpoints.ChatCompletionsAsync).WithMetadata(new RequiresRole(ApiRoles.Inference));
        v1.MapPost("/feedback", OpenAiEndpoints.FeedbackAsync).WithMetadata(new RequiresRole(ApiRoles.Inference));
        routes.MapGet("/api/monitoring/models/{model}/requests", OpenAiEndpoints.RequestsAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
    }
}
