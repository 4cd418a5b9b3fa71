using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models;

namespace Pipelines.Activities.Serving;

/// <summary>
/// Serves one exported model to many requests at once with continuous batching, as vLLM does: a background loop owns
/// the <see cref="OnnxDecoder"/> and, at every token boundary, lets waiting requests join (each prompt prefilled in
/// a pass of its own), runs ONE decode step over every running sequence, hands each its next token, and lets
/// finished, cancelled and expired ones leave. Sequence <c>i</c> of the batch keeps its keys and values in slot
/// <c>i</c> of one <see cref="OnnxKvSlots"/> buffer, which attention reads and extends in place at each row's own
/// length; a leaving sequence's slot takes the last one's, so the batch stays one run of slots. Rows never mix, so
/// greedy tokens are those of <see cref="OnnxDecoder.Generate"/> alone. Every clock read goes through the given
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed class ContinuousBatcher : IDisposable
{
    /// <summary>Retry-After before any request has finished to measure by.</summary>
    private static readonly TimeSpan DefaultRequestTime = TimeSpan.FromSeconds(1);

    private readonly OnnxDecoder _decoder;
    private readonly TextTokenizer _tokenizer;
    private readonly ContinuousBatcherOptions _options;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly Queue<ServedSequence> _waiting = new();
    private readonly List<ServedSequence> _running = [];
    private readonly List<ForwardPass> _passes = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly OnnxKvSlots _slots;
    private Task? _loop;
    private Exception? _fault;
    private TimeSpan? _meanRequestTime;

    /// <summary>A batcher that owns <paramref name="decoder"/> (disposing it with itself); <see cref="Start"/> starts its loop.</summary>
    public ContinuousBatcher(OnnxDecoder decoder, TextTokenizer tokenizer, ContinuousBatcherOptions options, TimeProvider? clock = null)
    {
        options.Validate();
        (_decoder, _tokenizer, _options, _clock) = (decoder, tokenizer, options, clock ?? TimeProvider.System);
        _slots = decoder.NewSlots(options.MaxBatchSize, options.ContextWindow);
    }

    /// <summary>Requests waiting for a place in the batch.</summary>
    public int Waiting
    {
        get { lock (_gate) return _waiting.Count; }
    }

    /// <summary>Requests in the batch (prefilled or decoding).</summary>
    public int Running
    {
        get { lock (_gate) return _running.Count; }
    }

    /// <summary>Every forward pass so far, in order: how full the batches were.</summary>
    public IReadOnlyList<ForwardPass> ForwardPasses
    {
        get { lock (_gate) return [.. _passes]; }
    }

    /// <summary>Starts the loop; requests submitted before wait in the queue and join at its first step.</summary>
    public void Start() => _loop ??= Task.Factory.StartNew(Run, TaskCreationOptions.LongRunning);

    /// <summary>
    /// Queues <paramref name="request"/>, or refuses it at once when the queue is full (with a Retry-After estimate).
    /// Cancelling <paramref name="cancelled"/> ends it at the next token boundary. Bad requests throw
    /// <see cref="ArgumentException"/>; a failed loop throws <see cref="ServingFaultException"/>.
    /// </summary>
    public Submission Submit(ServingRequest request, CancellationToken cancelled = default)
    {
        request.Validate(_decoder.VocabSize, _options.ContextWindow);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (_fault is not null) throw Fault(_fault);
            if (_waiting.Count >= _options.MaxWaiting) return new Submission(null, RetryAfter());
            var sequence = new ServedSequence(request, _tokenizer, _options.ContextWindow, _clock.GetUtcNow(), cancelled);
            _waiting.Enqueue(sequence);
            _arrived.Release();
            return new Submission(sequence.Response, TimeSpan.Zero);
        }
    }

    /// <summary>Stops the loop at its next token boundary; requests still held end as <see cref="FinishReason.Cancelled"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested) return;
            _stopping.Cancel();
        }

        _loop?.Wait();
        var now = _clock.GetUtcNow();
        foreach (var sequence in _running.Concat(_waiting).Where(s => !s.Finished)) sequence.Finish(FinishReason.Cancelled, now);
        _decoder.Dispose();
        _stopping.Dispose();
        _arrived.Dispose();
    }

    private void Run()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var joined = Admit();
                if (_running.Count == 0)
                {
                    _arrived.Wait(_stopping.Token);
                    continue;
                }

                if (joined.Count > 0)
                {
                    Prefill(joined);
                    Leave();
                }

                if (_running.Count > 0) Decode();
                Leave();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Disposed while idle: Dispose ends whatever is still held.
        }
        catch (Exception e)
        {
            ServingFaultException fault;
            List<ServedSequence> held;
            lock (_gate)
            {
                _fault = e;
                fault = Fault(e);
                held = [.. _running, .. _waiting];
                _running.Clear();
                _waiting.Clear();
            }

            foreach (var sequence in held) sequence.Fail(fault);
        }
    }

    /// <summary>
    /// Ends interrupted sequences, running or waiting (a cancelled request frees its place in the queue at once), then
    /// moves waiting requests into the free places; returns those that joined.
    /// </summary>
    private List<ServedSequence> Admit()
    {
        var now = _clock.GetUtcNow();
        foreach (var sequence in _running) EndIfInterrupted(sequence, now);
        Leave();
        var joined = new List<ServedSequence>();
        lock (_gate)
        {
            var kept = _waiting.Where(s => !EndIfInterrupted(s, now)).ToList();
            if (kept.Count < _waiting.Count)
            {
                _waiting.Clear();
                kept.ForEach(_waiting.Enqueue);
            }

            while (_running.Count + joined.Count < _options.MaxBatchSize && _waiting.TryDequeue(out var sequence))
            {
                sequence.Start(now);
                joined.Add(sequence);
            }

            _running.AddRange(joined);
        }

        return joined;
    }

    private static bool EndIfInterrupted(ServedSequence sequence, DateTimeOffset now)
    {
        if (sequence.Interrupted(now) is not { } reason) return false;
        sequence.Finish(reason, now);
        return true;
    }

    /// <summary>
    /// Each newcomer's prompt in a pass of its own into the slot after the running ones (prompts batched together would
    /// be padded to the longest: measured, 16 joining at once then spent about 40% of their prefill on padding); its
    /// last logits give its first token.
    /// </summary>
    private void Prefill(IReadOnlyList<ServedSequence> joined)
    {
        var first = _running.Count - joined.Count;
        var vocab = _decoder.VocabSize;
        for (var row = 0; row < joined.Count; row++)
        {
            var sequence = joined[row];
            var logits = _decoder.Prefill(_slots, first + row, [sequence.Request.Prompt]);
            Record(new ForwardPass(Prefill: true, 1));
            sequence.Held = sequence.Request.Prompt.Count;
            sequence.Accept(sequence.Picker.Next(logits.AsSpan(0, vocab)), _clock.GetUtcNow());
        }
    }

    /// <summary>One step for every running sequence (slots 0 to n − 1): each feeds its last token after what its slot holds.</summary>
    private void Decode()
    {
        var batch = _running;
        var tokens = new int[batch.Count];
        var held = new int[batch.Count];
        for (var row = 0; row < batch.Count; row++) (tokens[row], held[row]) = (batch[row].LastToken, batch[row].Held);
        var logits = _decoder.Decode(_slots, tokens, held);
        Record(new ForwardPass(Prefill: false, batch.Count));
        var now = _clock.GetUtcNow();
        var vocab = _decoder.VocabSize;
        for (var row = 0; row < batch.Count; row++)
        {
            var sequence = batch[row];
            sequence.Held++;
            sequence.Accept(sequence.Picker.Next(logits.AsSpan(row * vocab, vocab)), now);
        }
    }

    /// <summary>
    /// Lets finished sequences go, learning how long requests take for Retry-After; the last running sequence moves
    /// into each freed slot, so the running ones keep slots 0 to n − 1.
    /// </summary>
    private void Leave()
    {
        lock (_gate)
        {
            for (var i = _running.Count - 1; i >= 0; i--)
            {
                var sequence = _running[i];
                if (!sequence.Finished) continue;
                var took = sequence.Response.Completion.Result.Timings.EndToEnd;
                _meanRequestTime = _meanRequestTime is { } mean ? mean * 0.9 + took * 0.1 : took;
                var last = _running.Count - 1;
                if (i != last)
                {
                    _slots.Move(last, i, _running[last].Held);
                    _running[i] = _running[last];
                }

                _running.RemoveAt(last);
            }
        }
    }

    private void Record(ForwardPass pass)
    {
        lock (_gate) _passes.Add(pass);
    }

    /// <summary>About when a place frees: the queue ahead, served a batch at a time, each taking a mean request's time; whole seconds, at least one.</summary>
    private TimeSpan RetryAfter()
    {
        var rounds = (_waiting.Count + _options.MaxBatchSize) / _options.MaxBatchSize;
        var seconds = Math.Ceiling((_meanRequestTime ?? DefaultRequestTime).TotalSeconds * rounds);
        return TimeSpan.FromSeconds(Math.Max(1, seconds));
    }

    private static ServingFaultException Fault(Exception e) => new($"the serving loop failed and accepts no more requests: {e.Message}", e);
}
