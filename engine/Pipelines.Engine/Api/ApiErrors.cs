using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Pipelines.Diagnostics;

namespace Pipelines.Api;

/// <summary>
/// Every error the API returns is <c>{"error": "...", "hint": "..."}</c> (hint optional) with the matching status;
/// invalid pipelines add <c>diagnostics</c>, refused runs add <c>problems</c>. Never a stack trace.
/// </summary>
public static class ApiErrors
{
    public static IResult Error(int status, string error, string? hint = null, Action<JsonObject>? extend = null)
    {
        var body = Body(error, hint);
        extend?.Invoke(body);
        return Results.Json(body, statusCode: status);
    }

    public static IResult NotFound(string error, string? hint = null) => Error(StatusCodes.Status404NotFound, error, hint);

    public static IResult BadRequest(string error, string? hint = null) => Error(StatusCodes.Status400BadRequest, error, hint);

    /// <summary>
    /// 400 with one entry per listed diagnostic (<c>{code, severity, message, line, column, hint}</c>) and
    /// <c>omitted</c>, the number of further problems the loader counted but did not list.
    /// </summary>
    public static IResult Invalid(IReadOnlyList<Diagnostic> diagnostics, int omitted = 0)
    {
        var total = diagnostics.Count + omitted;
        return Error(StatusCodes.Status400BadRequest,
            (total == 1 ? "the pipeline has 1 problem" : $"the pipeline has {total:N0} problems")
            + (omitted > 0 ? $"; the first {diagnostics.Count} found are listed" : ""),
            "fix every diagnostic and send it again",
            body =>
            {
                body["diagnostics"] = new JsonArray(diagnostics.Select(d => (JsonNode)new JsonObject
                {
                    ["code"] = d.Code,
                    ["severity"] = d.Severity == Severity.Error ? "error" : "warning",
                    ["message"] = d.Message,
                    ["line"] = d.Location.Line,
                    ["column"] = d.Location.Column,
                    ["hint"] = d.Hint,
                }).ToArray());
                body["omitted"] = omitted;
            });
    }

    /// <summary>
    /// Writes an error straight to the response, for middleware that runs outside an endpoint. Under <c>/v1</c> (the
    /// OpenAI-compatible endpoint) it is OpenAI's error object, which OpenAI's clients read.
    /// </summary>
    public static Task Write(HttpContext context, int status, string error, string? hint = null)
    {
        context.Response.StatusCode = status;
        var body = context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)
            ? OpenAiError(status, hint is null ? error : $"{error}; {hint}", null)
            : Body(error, hint);
        return context.Response.WriteAsJsonAsync(body, context.RequestAborted);
    }

    /// <summary>
    /// OpenAI's error object: <c>{"error": {"message", "type", "param", "code"}}</c>, the type named after the status
    /// as OpenAI names them (invalid_request_error, authentication_error, permission_error, not_found_error,
    /// rate_limit_error, server_error).
    /// </summary>
    public static JsonObject OpenAiError(int status, string message, string? param, string? code = null) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = status switch
            {
                StatusCodes.Status401Unauthorized => "authentication_error",
                StatusCodes.Status403Forbidden => "permission_error",
                StatusCodes.Status404NotFound => "not_found_error",
                StatusCodes.Status429TooManyRequests => "rate_limit_error",
                >= 500 => "server_error",
                _ => "invalid_request_error",
            },
            ["param"] = param,
            ["code"] = code,
        },
    };

    private static JsonObject Body(string error, string? hint)
    {
        var body = new JsonObject { ["error"] = error };
        if (hint is not null) body["hint"] = hint;
        return body;
    }
}
