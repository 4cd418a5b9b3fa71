using Pipelines.Runtime;
using Pipelines.Runtime.Stores;

namespace Pipelines.Reviews;

/// <summary>
/// The services a <see cref="RunEngine"/> offers activities through <c>ActivityContext.Services</c>: its review store,
/// model registry and served requests' log, each by its contract.
/// </summary>
public sealed class RuntimeServices(IReviewStore reviews, IModelRegistry registry, IRequestLog requests) : IServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(IReviewStore) ? reviews
        : serviceType == typeof(IModelRegistry) ? registry
        : serviceType == typeof(IRequestLog) ? requests
        : null;
}

public static class RunEngineReviews
{
    /// <summary>The engine's review store.</summary>
    public static IReviewStore Reviews(this RunEngine engine) => (IReviewStore)engine.Services.GetService(typeof(IReviewStore))!;
}
