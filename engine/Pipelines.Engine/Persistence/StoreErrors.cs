namespace Pipelines.Persistence;

/// <summary>What a store's caller may wait out rather than fail on.</summary>
internal static class StoreErrors
{
    /// <summary>The store could not be reached or answered with an error for now: a database restarting, the network, a busy file.</summary>
    public static bool IsTransient(Exception e) =>
        e is System.Data.Common.DbException or IOException or System.Net.Sockets.SocketException or TimeoutException;
}
