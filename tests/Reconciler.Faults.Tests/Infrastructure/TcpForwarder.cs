using System.Net;
using System.Net.Sockets;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>
/// A registry address that can be made reachable and unreachable at will: 127.0.0.1:PORT, which
/// nothing answers until <see cref="Start"/> forwards it to the test registry at 127.0.0.1:5000.
/// </summary>
public sealed class TcpForwarder(int port, int target) : IAsyncDisposable
{
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public int Port => port;

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        var ct = _stop.Token;
        var listener = _listener;
        _loop = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(ct); }
                catch (Exception) { return; }
                _ = Task.Run(() => PipeAsync(client, ct), ct);
            }
        }, ct);
    }

    private async Task PipeAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, target, ct);
                var a = client.GetStream();
                var b = upstream.GetStream();
                var up = a.CopyToAsync(b, ct).ContinueWith(_ => upstream.Client.Shutdown(SocketShutdown.Send), TaskScheduler.Default);
                var down = b.CopyToAsync(a, ct).ContinueWith(_ => client.Client.Shutdown(SocketShutdown.Send), TaskScheduler.Default);
                await Task.WhenAll(up, down);
            }
            catch (Exception)
            {
                // a connection ends
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop is null) return;
        await _stop.CancelAsync();
        _listener?.Stop();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}
