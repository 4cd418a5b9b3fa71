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
/// <c>/v1/chat/completions</c>) over the models of the <c>Serving</c> section, each behind a continuous batcher. Calls
/// need role <c>inference</c> (or <c>admin</c>) when tokens are configured.
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
    }
}
