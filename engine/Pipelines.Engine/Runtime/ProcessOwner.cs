using System.Diagnostics;
using System.Globalization;

namespace Pipelines.Runtime;

/// <summary>
/// Who holds a lease: <c>host:pid:start</c>, optionally followed by <c>/name</c> when one process hosts several
/// runtimes (each needs an identity of its own). A lease held by a process on this host that no longer exists (or whose
/// pid was reused, which the start time tells) can be taken over at once instead of waiting for it to expire.
/// </summary>
public static class ProcessOwner
{
    public static string Current { get; } = Describe(Environment.ProcessId) ?? $"{Environment.MachineName}:{Environment.ProcessId}:0";

    public static bool IsDead(string? owner)
    {
        if (owner is null) return true;
        var process = owner.Split('/')[0];
        var parts = process.Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid))
        {
            return false; // another host: only the lease's expiry can tell
        }

        return Describe(pid) != process;
    }

    /// <summary>
    /// The process's identity, or null when it does not exist. On Linux the start time is the kernel's own
    /// (<c>/proc/PID/stat</c> field 22, clock ticks since boot): the same number whichever process reads it, unlike
    /// <see cref="Process.StartTime"/>, which each reader derives from its own idea of the boot time.
    /// </summary>
    private static string? Describe(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                // A killed process lingers as a zombie (Z) until it is reaped: it runs nothing any more.
                return fields[0] is "Z" or "X" ? null : $"{Environment.MachineName}:{pid}:{fields[19]}";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
            {
                return null;
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            var seconds = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeSeconds();
            return $"{Environment.MachineName}:{pid}:{seconds.ToString(CultureInfo.InvariantCulture)}";
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
