using System.Threading.Channels;

namespace Pipelines.Api;

/// <summary>Ids of runs waiting for the <see cref="RunWorker"/> to execute them in this process.</summary>
public sealed class RunQueue
{
    private readonly Channel<string> _ids = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<string> Reader => _ids.Reader;

    public void Enqueue(string runId) => _ids.Writer.TryWrite(runId);
}
