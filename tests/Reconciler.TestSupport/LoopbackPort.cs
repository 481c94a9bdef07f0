using System.Net;
using System.Net.Sockets;

namespace Reconciler.TestSupport;

/// <summary>
/// Free ports on 127.0.0.1 for servers the tests start. A port is free when asked, not promised:
/// test assemblies run in parallel, so whoever binds it must be ready to try another
/// (<see cref="Bind{T}"/>).
/// </summary>
public static class LoopbackPort
{
    public static int Free()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>
    /// Calls <paramref name="start"/> with free ports until it succeeds; it throws (anything) when
    /// the port was taken meanwhile. After a few attempts the last failure is thrown.
    /// </summary>
    public static T Bind<T>(Func<int, T> start, int attempts = 5)
    {
        for (var i = 1; ; i++)
        {
            try
            {
                return start(Free());
            }
            catch (Exception) when (i < attempts)
            {
                // taken between the probe and the bind: try another
            }
        }
    }
}
