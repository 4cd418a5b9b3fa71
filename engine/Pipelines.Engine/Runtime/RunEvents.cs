using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Pipelines.Runtime;

/// <summary>In-process fan-out of run events to subscribers (a CLI display, an SSE stream). Slow subscribers drop old progress, never status.</summary>
public sealed class RunEvents
{
    private readonly ConcurrentDictionary<Channel<RunEvent>, string?> _subscribers = new();

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
        foreach (var (channel, runId) in _subscribers)
        {
            if (runId is null || runId == e.RunId) channel.Writer.TryWrite(e);
        }
    }

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
