using Pipelines.Runtime;

namespace Pipelines.Reviews;

/// <summary>
/// The services a <see cref="RunEngine"/> offers activities through <c>ActivityContext.Services</c>: its review store,
/// model registry and served requests' log.
/// </summary>
public sealed class RuntimeServices(ReviewStore reviews, Registry.IModelRegistry registry, Monitoring.IRequestLog requests) : IServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(ReviewStore) ? reviews
        : serviceType == typeof(Registry.IModelRegistry) ? registry
        : serviceType == typeof(Monitoring.IRequestLog) ? requests
        : null;
}

public static class RunEngineReviews
{
    /// <summary>The engine's review store (over its database and clock).</summary>
    public static ReviewStore Reviews(this RunEngine engine) => (ReviewStore)engine.Services.GetService(typeof(ReviewStore))!;
}
