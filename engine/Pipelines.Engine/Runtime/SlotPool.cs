namespace Pipelines.Runtime;

/// <summary>
/// The process's execution slots (<c>--max-parallel</c>). Coordinators take slots without waiting; one that finds
/// none leaves a callback. A release calls every waiting callback back: whoever then finds no slot registers again,
/// so a registration can never be spent on a coordinator that has meanwhile taken a slot or finished.
/// </summary>
internal sealed class SlotPool(int slots)
{
    private readonly Lock _lock = new();
    private readonly Queue<Action> _waiting = new();
    private int _free = Math.Max(1, slots);

    public bool TryAcquire()
    {
        lock (_lock)
        {
            if (_free == 0) return false;
            _free--;
            return true;
        }
    }

    public void Release()
    {
        Action[] wake;
        lock (_lock)
        {
            _free++;
            wake = _waiting.ToArray();
            _waiting.Clear();
        }

        foreach (var callback in wake) callback();
    }

    /// <summary>Asks to be called when a slot frees up (at most once per call).</summary>
    public void NotifyWhenFree(Action callback)
    {
        bool now;
        lock (_lock)
        {
            now = _free > 0;
            if (!now) _waiting.Enqueue(callback);
        }

        if (now) callback();
    }
}
