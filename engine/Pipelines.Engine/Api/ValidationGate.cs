using System.Globalization;
using Microsoft.AspNetCore.Http;
using Pipelines.Definitions;

namespace Pipelines.Api;

/// <summary>
/// Bounds what posted pipelines cost: at most <see cref="ValidationOptions.MaxConcurrent"/> are read and validated at
/// once, and each has <see cref="ValidationOptions.TimeLimit"/> to arrive and be validated. A request that finds no free
/// slot within <see cref="ValidationOptions.QueueTimeout"/> gets 503 with <c>Retry-After</c> (the server is busy; 429
/// would blame the client). A body slower than the limit gets 408; a validation slower than the limit gets 503 at the
/// limit, while the validation itself (CPU work that cannot be interrupted) finishes in the background still holding its
/// slot, so abandoned work can never pile up beyond the bound.
/// </summary>
public sealed class ValidationGate(ValidationOptions options)
{
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrent, options.MaxConcurrent);

    /// <summary>Reads the pipeline with <paramref name="read"/>, then validates it with <paramref name="validate"/>, both within the bounds.</summary>
    public async Task<(LoadResult? Loaded, IResult? Error)> LoadAsync(
        HttpContext context, Func<CancellationToken, Task<(byte[]? Content, IResult? Error)>> read, Func<byte[], LoadResult> validate)
    {
        var aborted = context.RequestAborted;
        if (!await _slots.WaitAsync(options.QueueTimeout, aborted))
        {
            context.Response.Headers.RetryAfter = "1"; // a validation takes milliseconds; a slot is usually free again by then
            return (null, ApiErrors.Error(StatusCodes.Status503ServiceUnavailable,
                $"the server is validating {options.MaxConcurrent} pipeline{(options.MaxConcurrent == 1 ? "" : "s")} already",
                "send it again after the time in Retry-After"));
        }

        var handedOver = false;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            deadline.CancelAfter(options.TimeLimit);
            (byte[]? Content, IResult? Error) body;
            try
            {
                body = await read(deadline.Token);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                return (null, ApiErrors.Error(StatusCodes.Status408RequestTimeout, $"the pipeline did not arrive within {Seconds(options.TimeLimit)}",
                    "send the whole body at once"));
            }

            if (body.Error is not null) return (null, body.Error);
            var validation = Task.Run(() => validate(body.Content!), CancellationToken.None);
            handedOver = true;
            _ = validation.ContinueWith(_ => _slots.Release(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            try
            {
                return (await validation.WaitAsync(deadline.Token), null);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                return (null, ApiErrors.Error(StatusCodes.Status503ServiceUnavailable, $"validating the pipeline took longer than {Seconds(options.TimeLimit)}",
                    "a pipeline this costly to check is likely generated wrongly; split it or simplify it"));
            }
        }
        finally
        {
            if (!handedOver) _slots.Release();
        }
    }

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
}
