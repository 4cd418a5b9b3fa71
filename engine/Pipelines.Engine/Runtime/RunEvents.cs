using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Pipelines.Runtime;

/// <summary>
/// In-process fan-out of run events to subscribers (a CLI display, an SSE stream). Slow subscribers drop old progress,
/// never status. Every event passes the secret mask here, whoever publishes it.
/// </summary>
public sealed class RunEvents
{
    private readonly ConcurrentDictionary<Channel<RunEvent>, string?> _subscribers = new();
    private readonly SecretMask _mask;

    internal RunEvents(SecretMask mask) => _mask = mask;

    /// <summary>Events of one run (or of every run when <paramref name="runId"/> is null) until the subscription is disposed.</summary>
    public Subscription Subscribe(string? runId)
    {
        var channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
        _subscribers[channel] = runId;
        return new Subscription(this, channel);
    }

    /// <summary>Whether anyone listens now: publishers skip building events nobody would read.</summary>
    public bool HasSubscribers => !_subscribers.IsEmpty;

    public void Publish(RunEvent e)
    {
        if (_subscribers.IsEmpty) return;
        e = Masked(e);
        foreach (var (channel, runId) in _subscribers)
        {
            if (runId is null || runId == e.RunId) channel.Writer.TryWrite(e);
        }
    }

    private RunEvent Masked(RunEvent e) => e switch
    {
        _ when _mask.IsEmpty => e,
        RunStatusChanged run => run with { Error = _mask.Apply(run.Error) },
        StepStatusChanged step => step with { Error = _mask.Apply(step.Error), Outputs = _mask.Apply(step.Outputs) },
        StepProgressed progress => progress with { Message = _mask.Apply(progress.Message) },
        StepLogged logged => logged with { Line = _mask.Apply(logged.Line) },
        _ => e,
    };

    public sealed class Subscription(RunEvents owner, Channel<RunEvent> channel) : IDisposable
    {
        public ChannelReader<RunEvent> Reader => channel.Reader;

        public void Dispose()
        {
            owner._subscribers.TryRemove(channel, out _);
            channel.Writer.TryComplete();
        }
    }
}
