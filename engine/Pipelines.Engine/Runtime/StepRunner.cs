using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Definitions;

namespace Pipelines.Runtime;

/// <summary>
/// Runs one attempt of one step (the caller puts it on the thread pool, off the coordinator's thread): answers from the cache when it may, otherwise calls
/// the activity under the step's timeout and the run's cancellation, and turns every way it can end into a
/// <see cref="StepResult"/>. Never throws.
/// </summary>
internal static class StepRunner
{
    public static async Task<StepResult> RunAsync(
        ActivityDescriptor activity,
        JsonObject inputs,
        string? cacheKey,
        bool lookup,
        Stores.IRunStore store,
        TimeSpan? timeout,
        ActivityContext context,
        SecretMask mask,
        CancellationToken runCancelled)
    {
        try
        {
            if (lookup && cacheKey is not null && await store.GetCachedOutputsAsync(cacheKey, runCancelled).ConfigureAwait(false) is { } cached)
            {
                return StepResult.Success(JsonNode.Parse(cached)!.AsObject(), cached: true, cacheKey);
            }
        }
        catch (OperationCanceledException) when (runCancelled.IsCancellationRequested)
        {
            return StepResult.Cancellation();
        }

        // Only a step with a timeout needs a token of its own.
        using var attempt = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(runCancelled);
        attempt?.CancelAfter(timeout!.Value);
        var token = attempt?.Token ?? runCancelled;
        try
        {
            // WaitAsync: an activity that ignores its token still loses the step at the timeout or on cancellation.
            var outputs = await activity.ExecuteAsync(inputs, context, token).WaitAsync(token).ConfigureAwait(false);
            // Outputs never carry secrets: downstream steps, the cache and the store all see them masked.
            return StepResult.Success(mask.Apply(outputs)!, cached: false, cacheKey);
        }
        catch (OperationCanceledException) when (runCancelled.IsCancellationRequested)
        {
            return StepResult.Cancellation();
        }
        catch (OperationCanceledException) when (attempt?.IsCancellationRequested == true)
        {
            return StepResult.Failure($"timed out after {Duration.Format(timeout!.Value)}", retryable: true);
        }
        catch (StepSuspendedException e)
        {
            return StepResult.Suspension(e.Bookmark);
        }
        catch (ActivityFailedException e)
        {
            return StepResult.Failure(e.Message, e.Retryable);
        }
        catch (Exception e)
        {
            // An unexpected exception is a bug in the activity, but it may be transient (I/O); the retry policy decides.
            return StepResult.Failure($"{e.GetType().Name}: {e.Message}", retryable: true);
        }
    }
}
