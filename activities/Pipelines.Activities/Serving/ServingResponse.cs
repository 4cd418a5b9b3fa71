using System.Threading.Channels;

namespace Pipelines.Activities.Serving;

/// <summary>
/// An accepted request as it runs: its tokens as they come, then <see cref="Completion"/>. The stream completes when
/// the request ends; a fault in the batcher's loop fails both with a <see cref="ServingFaultException"/>.
/// </summary>
public sealed record ServingResponse(ChannelReader<GeneratedToken> Tokens, Task<CompletionResult> Completion);
