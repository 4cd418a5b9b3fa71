using System.Net;
using System.Net.Sockets;

namespace Pipelines.Bench;

/// <summary>What every benchmark asks of the machine it runs on: its checkout, a free loopback port, its load.</summary>
public static class BenchMachine
{
    /// <summary>The checkout this benchmark was built from: the folder above its build output that holds Pipelines.sln (and bin/pipelines).</summary>
    public static string Checkout()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipelines.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"no Pipelines.sln above {AppContext.BaseDirectory}: run the benchmark from its checkout");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The 1-minute load average: on a shared machine, what the figures were measured beside.</summary>
    public static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
