using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Pipelines.Api;

/// <summary>
/// The browser designer's static files at <c>/designer/</c>: the app that <c>npm run build --prefix designer</c> writes to
/// <c>designer/dist</c>, with every path that is not a file answered by its <c>index.html</c> (the app routes itself).
/// Open like <c>/docs</c>: the page holds no data; the API calls it makes carry the token.
/// </summary>
public static class DesignerFiles
{
    public const string RequestPath = "/designer";

    /// <summary>What to run when the designer has not been built.</summary>
    public const string BuildCommand = "npm ci --prefix designer && npm run build --prefix designer";

    /// <summary>
    /// The built designer: <c>Designer:Root</c> when configured, else the first <c>designer/dist</c> with an
    /// <c>index.html</c> in the folder of the program or one above it — the checkout the CLI was built in, whose
    /// <c>./test.sh</c> and <c>bin/pipelines serve</c> build the designer. Null when there is none.
    /// </summary>
    public static string? Locate(IConfiguration configuration)
    {
        if (configuration["Designer:Root"] is { Length: > 0 } configured) return Path.GetFullPath(configured);
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var dist = Path.Combine(folder.FullName, "designer", "dist");
            if (File.Exists(Path.Combine(dist, "index.html"))) return dist;
        }

        return null;
    }

    /// <summary>
    /// Serves <paramref name="root"/> at <c>/designer/</c>; without one, says how to build it. Call it before
    /// <c>UseRouting</c>: the file middleware serves only requests that no endpoint took, and the index fallback is one.
    /// </summary>
    public static void Map(WebApplication app, string? root)
    {
        // Relative asset paths need the trailing slash; routing would treat /designer and /designer/ alike.
        app.Use((context, next) =>
        {
            if (!string.Equals(context.Request.Path.Value, RequestPath, StringComparison.OrdinalIgnoreCase)) return next(context);
            context.Response.Redirect($"{RequestPath}/{context.Request.QueryString}");
            return Task.CompletedTask;
        });
        if (root is null || !File.Exists(Path.Combine(root, "index.html")))
        {
            app.MapGet($"{RequestPath}/{{**path}}", () => Results.Text(
                $"The designer is not built. From the checkout run: {BuildCommand} (./test.sh and bin/pipelines serve do it), then reload.\n",
                statusCode: StatusCodes.Status404NotFound)).ExcludeFromDescription();
            return;
        }

        var files = new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(root),
            RequestPath = RequestPath,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context =>
            {
                // Vite names assets by content hash, so they never change; index.html names the current ones.
                var immutable = context.Context.Request.Path.StartsWithSegments($"{RequestPath}/assets");
                context.Context.Response.Headers[HeaderNames.CacheControl] = immutable ? "public, max-age=31536000, immutable" : "no-cache";
            },
        };
        app.UseStaticFiles(files);
        // The fallback serves /index.html of the provider itself, so its options carry no request path.
        var index = new StaticFileOptions { FileProvider = files.FileProvider, OnPrepareResponse = files.OnPrepareResponse };
        app.MapFallbackToFile($"{RequestPath}/{{**path}}", "index.html", index).ExcludeFromDescription();
    }
}
