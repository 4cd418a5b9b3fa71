using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Pipelines.Runtime;

namespace Pipelines.Hosting;

/// <summary>Ids of runs waiting for the <see cref="RunWorker"/> to execute them in this process.</summary>
public sealed class RunQueue
{
    private readonly Channel<string> _ids = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(string runId)
    {
        if (_ids.Writer.TryWrite(runId)) RuntimeMetrics.RunQueued(+1);
    }

    /// <summary>The queued ids, each counted off the queue-depth metric as it is taken.</summary>
    public async IAsyncEnumerable<string> ReadAllAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var id in _ids.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            RuntimeMetrics.RunQueued(-1);
            yield return id;
        }
    }
}
