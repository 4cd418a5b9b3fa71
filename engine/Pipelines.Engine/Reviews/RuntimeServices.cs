using Pipelines.Runtime;

namespace Pipelines.Reviews;

/// <summary>The services a <see cref="RunEngine"/> offers activities through <c>ActivityContext.Services</c>: its review store and model registry.</summary>
public sealed class RuntimeServices(ReviewStore reviews, Registry.IModelRegistry registry) : IServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(ReviewStore) ? reviews
        : serviceType == typeof(Registry.IModelRegistry) ? registry
        : null;
}

public static class RunEngineReviews
{
    /// <summary>The engine's review store (over its database and clock).</summary>
    public static ReviewStore Reviews(this RunEngine engine) => (ReviewStore)engine.Services.GetService(typeof(ReviewStore))!;
}
