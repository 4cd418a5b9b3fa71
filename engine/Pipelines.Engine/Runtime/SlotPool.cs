namespace Pipelines.Runtime;

/// <summary>
/// The process's execution slots (<c>--max-parallel</c>). Coordinators take a free slot without waiting; one that
/// finds none asks to be granted the next slot released. A released slot goes straight to the longest waiter, so
/// waking one coordinator never wakes a thousand, and a grant can never go stale: it is a slot, owned from then on.
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

    /// <summary>Gives a slot back: to the longest waiter if there is one, else to the pool.</summary>
    public void Release()
    {
        Action? granted;
        lock (_lock)
        {
            if (!_waiting.TryDequeue(out granted)) _free++;
        }

        granted?.Invoke();
    }

    /// <summary>Calls <paramref name="granted"/> once a slot is held for the caller (at once when one is free).</summary>
    public void Request(Action granted)
    {
        bool now;
        lock (_lock)
        {
            now = _free > 0;
            if (now) _free--;
            else _waiting.Enqueue(granted);
        }

        if (now) granted();
    }
}
