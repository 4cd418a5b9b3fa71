namespace Pipelines.Activities.Serving;

/// <summary>Why a completion ended, in OpenAI's words where it has them.</summary>
public enum FinishReason
{
    /// <summary>A stop token (EOS included) or stop string.</summary>
    Stop,

    /// <summary>max_tokens, or the end of the context window.</summary>
    Length,

    /// <summary>The caller's token was cancelled (a client disconnected), or the batcher was disposed.</summary>
    Cancelled,

    /// <summary>The request's deadline passed.</summary>
    Deadline,
}
