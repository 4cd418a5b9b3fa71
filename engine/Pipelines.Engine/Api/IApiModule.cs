using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Pipelines.Api;

/// <summary>
/// A part of <c>pipelines serve</c> the engine does not know: the composition root (the CLI) adds it, the host gives it
/// the configuration and the service collection, then its routes. The OpenAI-compatible endpoint is one: it needs the
/// model runtimes of the activities, which the engine must not reference.
/// </summary>
public interface IApiModule
{
    /// <summary>Registers the module's services; throws <see cref="ApiConfigurationException"/> for settings it cannot serve with.</summary>
    void ConfigureServices(IServiceCollection services, IConfiguration configuration);

    /// <summary>Maps the module's routes (guard them with <see cref="RequiresRole"/>).</summary>
    void Map(IEndpointRouteBuilder routes);
}
