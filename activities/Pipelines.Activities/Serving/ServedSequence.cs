using System.Threading.Channels;
using Pipelines.Activities.Models;

namespace Pipelines.Activities.Serving;

/// <summary>
/// One request inside a <see cref="ContinuousBatcher"/>: its slot's length, its picker, its text, its stream and its timings.
/// Only the batcher's loop touches it once submitted.
/// </summary>
internal sealed class ServedSequence : IDisposable
{
    private readonly Channel<GeneratedToken> _tokens = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly TaskCompletionSource<CompletionResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<int> _generated = [];
    private readonly List<DateTimeOffset> _tokenTimes = [];
    private readonly IReadOnlySet<int> _stopIds;
    private readonly CompletionText _text;
    private readonly int _contextWindow;
    private DateTimeOffset? _started;

    public ServedSequence(ServingRequest request, TextTokenizer tokenizer, int contextWindow, DateTimeOffset submitted, CancellationToken cancelled)
    {
        Request = request;
        Cancelled = cancelled;
        Submitted = submitted;
        _contextWindow = contextWindow;
        _stopIds = new HashSet<int>(request.StopIds.Append(tokenizer.EosId));
        _text = new CompletionText(tokenizer, request.StopStrings);
        Picker = new TokenPicker(request);
        Response = new ServingResponse(_tokens.Reader, _completion.Task);
    }

    public ServingRequest Request { get; }

    public CancellationToken Cancelled { get; }

    public DateTimeOffset Submitted { get; }

    public ServingResponse Response { get; }

    public TokenPicker Picker { get; }

    /// <summary>Positions its slot holds: the prompt, then one per decode step.</summary>
    public int Held { get; set; }

    /// <summary>The token the next decode step feeds.</summary>
    public int LastToken { get; private set; }

    public bool Finished => _completion.Task.IsCompleted;

    public void Start(DateTimeOffset now) => _started = now;

    /// <summary>Why the request must end before the next step, if it must: cancelled, or past its deadline.</summary>
    public FinishReason? Interrupted(DateTimeOffset now) =>
        Cancelled.IsCancellationRequested ? FinishReason.Cancelled
        : Request.Deadline is { } deadline && now >= deadline ? FinishReason.Deadline
        : null;

    /// <summary>Takes the picked token: streams it, or ends the request at a stop token, stop string, max_tokens or the context's end.</summary>
    public void Accept(int token, DateTimeOffset now)
    {
        if (_stopIds.Contains(token))
        {
            Finish(FinishReason.Stop, now);
            return;
        }

        _generated.Add(token);
        _tokenTimes.Add(now);
        LastToken = token;
        _tokens.Writer.TryWrite(new GeneratedToken(token, _text.Add(token), now));
        if (_text.Stopped) Finish(FinishReason.Stop, now);
        else if (_generated.Count >= Request.MaxTokens || Request.Prompt.Count + _generated.Count >= _contextWindow) Finish(FinishReason.Length, now);
    }

    public void Finish(FinishReason reason, DateTimeOffset now)
    {
        if (Finished) return;
        var rest = _text.Flush();
        if (rest.Length > 0) _tokens.Writer.TryWrite(new GeneratedToken(-1, rest, now));
        _tokens.Writer.TryComplete();
        _completion.TrySetResult(new CompletionResult(reason, _text.Text, [.. _generated], Request.Prompt.Count,
            new RequestTimings(Submitted, _started, [.. _tokenTimes], now)));
        Dispose();
    }

    public void Fail(Exception error)
    {
        _tokens.Writer.TryComplete(error);
        _completion.TrySetException(error);
        Dispose();
    }

    public void Dispose() => Picker.Dispose();
}
