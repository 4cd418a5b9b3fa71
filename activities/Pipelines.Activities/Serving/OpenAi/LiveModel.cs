namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// One served id and the version that answers it now. A request holds a <see cref="Lease"/> on the version it started
/// with; <see cref="Replace"/> puts a new version in place for the requests that come after, while those holding the
/// old one finish on it, and the old batcher is disposed only when its last lease ends. So an alias move drops nothing.
/// </summary>
public sealed class LiveModel(ServedModel first) : IDisposable
{
    private readonly Lock _gate = new();
    private Holder _current = new(first);

    /// <summary>The version new requests go to.</summary>
    public ServedModel Current
    {
        get { lock (_gate) return _current.Model; }
    }

    /// <summary>Holds the current version until the lease is disposed: dispose it when the request has ended.</summary>
    public Lease Acquire()
    {
        lock (_gate)
        {
            _current.Users++;
            return new Lease(this, _current);
        }
    }

    /// <summary>Serves <paramref name="next"/> from now on; the version it replaces is disposed once nobody holds it.</summary>
    public void Replace(ServedModel next)
    {
        Holder old;
        lock (_gate)
        {
            old = _current;
            _current = new Holder(next);
        }

        Retire(old);
    }

    /// <summary>Retires the current version (a version still held is disposed when its last lease ends).</summary>
    public void Dispose()
    {
        Holder current;
        lock (_gate) current = _current;
        Retire(current);
    }

    private void Retire(Holder holder)
    {
        lock (_gate)
        {
            holder.Retired = true;
            if (holder.Users > 0) return;
        }

        holder.Model.Batcher.Dispose();
    }

    private void Release(Holder holder)
    {
        lock (_gate)
        {
            holder.Users--;
            if (!holder.Retired || holder.Users > 0) return;
        }

        holder.Model.Batcher.Dispose();
    }

    internal sealed class Holder(ServedModel model)
    {
        public ServedModel Model { get; } = model;

        public int Users { get; set; }

        public bool Retired { get; set; }
    }

    /// <summary>A request's hold on the version it runs on.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly LiveModel _owner;
        private readonly Holder _holder;
        private int _released;

        internal Lease(LiveModel owner, Holder holder) => (_owner, _holder) = (owner, holder);

        public ServedModel Model => _holder.Model;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) _owner.Release(_holder);
        }
    }
}
