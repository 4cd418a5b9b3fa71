using Microsoft.Extensions.Logging;

namespace Pipelines.Hosting;

/// <summary>How <c>serve</c> and <c>worker</c> log: one line per event, ours at information, the framework's warnings only.</summary>
internal static class HostLogging
{
    public static void UseConsole(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        // A start-up failure (an address in use, a store that cannot be reached) is thrown to the command, which says it
        // in one line; the host's own "Hosting failed to start" would print the whole trace first. A service failing
        // after the start is still logged: the host reports that as critical.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }
}
