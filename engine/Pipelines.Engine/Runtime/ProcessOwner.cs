using System.Diagnostics;
using System.Globalization;

namespace Pipelines.Runtime;

/// <summary>
/// Who holds a lease: <c>host:pid:start-ticks</c>. A lease held by a process on this host that no longer exists (or
/// whose pid was reused, which the start time tells) can be taken over at once instead of waiting for it to expire.
/// </summary>
public static class ProcessOwner
{
    public static string Current { get; } = Describe(Process.GetCurrentProcess());

    public static bool IsDead(string? owner)
    {
        if (owner is null) return true;
        var parts = owner.Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid))
        {
            return false; // another host: only the lease's expiry can tell
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return Describe(process) != owner;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static string Describe(Process process) =>
        $"{Environment.MachineName}:{process.Id}:{process.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture)}";
}
