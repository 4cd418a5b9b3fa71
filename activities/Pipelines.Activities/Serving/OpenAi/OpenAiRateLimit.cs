using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Pipelines.Api;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// <c>Serving:RequestsPerMinute</c> for <c>/v1</c>, on ASP.NET Core's rate limiter: a fixed window of one minute per
/// bearer token (by its name, so a token's limit holds across its clients) or, without tokens, per client IP. A refused
/// request gets OpenAI's 429 <c>rate_limit_error</c> with <c>Retry-After</c> saying when the window opens again.
/// </summary>
public sealed class OpenAiRateLimit(int requestsPerMinute) : IRateLimiterPolicy<string>
{
    public const string Name = "openai";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var caller = httpContext.Items[typeof(ApiCaller)] is ApiCaller token
            ? $"token {token.Name}"
            : $"client {httpContext.Connection.RemoteIpAddress}";
        return RateLimitPartition.GetFixedWindowLimiter(caller, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = requestsPerMinute,
            Window = Window,
            QueueLimit = 0,
        });
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (rejected, ct) =>
    {
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : (int)Window.TotalSeconds;
        var response = rejected.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await response.WriteAsJsonAsync(ApiErrors.OpenAiError(StatusCodes.Status429TooManyRequests,
            $"more than {requestsPerMinute} requests a minute (Serving:RequestsPerMinute); retry after {seconds} s", null), ct).ConfigureAwait(false);
    };
}
