using Pipelines.Activities.Models;
using Pipelines.Artifacts;

namespace Pipelines.Activities;

/// <summary>Turns the errors a user can fix (a missing file, a bad record, a model that does not load) into a failed step that is not retried.</summary>
public static class UserErrors
{
    /// <summary>The failure to report for <paramref name="error"/>; null when it is not the user's to fix (a bug, or cancellation).</summary>
    public static ActivityFailedException? Explain(Exception error) => error switch
    {
        ModelFormatException e => new ActivityFailedException(e.Hint is { } hint ? $"{e.Message} ({hint})" : e.Message, retryable: false),
        Data.CorpusFetchException e => new ActivityFailedException($"{e.Message} ({e.Hint})", retryable: false),
        Registry.RegistryException e => new ActivityFailedException($"{e.Message}; {e.Hint}", retryable: false),
        ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArtifactNotFoundException
            => new ActivityFailedException(error.Message, retryable: false),
        InvalidOperationException when error.Message.StartsWith("libtorch", StringComparison.Ordinal)
            => new ActivityFailedException(error.Message, retryable: false),
        _ => null,
    };

    /// <summary>Runs <paramref name="work"/>; a mistake of the user's that it throws becomes the failure <see cref="Explain"/> gives.</summary>
    public static async Task<T> ExplainedAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (Exception e) when (Explain(e) is { } failure)
        {
            throw failure;
        }
    }
}
