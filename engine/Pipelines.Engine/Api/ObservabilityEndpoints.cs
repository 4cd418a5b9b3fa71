extern alias ScalarDocs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipelines.Runtime;
using ScalarDocs::Scalar.AspNetCore;

namespace Pipelines.Api;

/// <summary>
/// What a host shows about itself: <c>/metrics</c> (Prometheus text of the <see cref="RuntimeMetrics"/> meter and every
/// other <c>Pipelines.*</c> meter,
/// through OpenTelemetry; open without tokens, role viewer with them), <c>/openapi/v1.json</c> and the reference
/// page <c>/docs</c> (always open, read-only). The runtime's spans are traced with no exporter: a host that wants
/// them adds one.
/// </summary>
public static class ObservabilityEndpoints
{
    public const string MetricsPath = "/metrics";

    public static void AddObservability(this IServiceCollection services)
    {
        services.AddOpenApi();
        services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(RuntimeMetrics.Name)
                .AddMeter("Pipelines.*") // the meters of modules (IApiModule), e.g. the served models'
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(tracing => tracing.AddSource(RuntimeMetrics.Name));
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath).WithMetadata(new RequiresRole(ApiRoles.Viewer)).ExcludeFromDescription();
        endpoints.MapOpenApi().ExcludeFromDescription();
        endpoints.MapScalarApiReference("/docs", o => o.WithTitle("Pipelines API")).ExcludeFromDescription();
    }
}
