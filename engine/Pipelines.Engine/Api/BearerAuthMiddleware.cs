using Microsoft.AspNetCore.Http;

namespace Pipelines.Api;

/// <summary>
/// Guards <c>/api/*</c> when tokens are configured: 401 without a known bearer token, 403 without the endpoint's
/// role (<see cref="RequiresRole"/>; an endpoint that declares none needs <c>admin</c>). Runs after routing and
/// before any body is read. Other paths (<c>/healthz</c>) stay open.
/// </summary>
public sealed class BearerAuthMiddleware(RequestDelegate next, TokenAuthenticator tokens)
{
    private const string Scheme = "Bearer ";

    public async Task InvokeAsync(HttpContext context)
    {
        // Routing ignores case, so the path test must too; any endpoint that declares a role is guarded wherever it lives.
        var endpoint = context.GetEndpoint();
        var guarded = endpoint?.Metadata.GetMetadata<RequiresRole>() is not null
                      || context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);
        if (!tokens.Enabled || !guarded)
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
        {
            await Unauthorized(context, "this API needs a bearer token");
            return;
        }

        if (tokens.Authenticate(header[Scheme.Length..].Trim()) is not { } caller)
        {
            await Unauthorized(context, "the bearer token is not valid");
            return;
        }

        context.Items[typeof(ApiCaller)] = caller;
        if (endpoint is not null)
        {
            var required = endpoint.Metadata.GetMetadata<RequiresRole>()?.Role ?? ApiRoles.Admin;
            if (!ApiRoles.Allows(caller.Roles, required))
            {
                await ApiErrors.Write(context, StatusCodes.Status403Forbidden, $"token '{caller.Name}' lacks the '{required}' role",
                    $"give the token the '{required}' or 'admin' role in Auth:Tokens");
                return;
            }
        }

        await next(context);
    }

    private static Task Unauthorized(HttpContext context, string error)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiErrors.Write(context, StatusCodes.Status401Unauthorized, error, "send `Authorization: Bearer <secret>` with a token configured in Auth:Tokens");
    }
}
