using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Reconciler.TestSupport;

/// <summary>One request as <see cref="RecordingHttpServer"/> received it.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Path => PathAndQuery.Split('?')[0];

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}

/// <summary>
/// An HTTP server on 127.0.0.1 (a free port) that records every request and answers with what
/// <see cref="Respond"/> says (by default 200 and an empty JSON object): the stand-in for a forge
/// API or a notification endpoint, against whose documented shape the tests check each request.
/// </summary>
public sealed class RecordingHttpServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();

    private RecordingHttpServer(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        _ = Task.Run(LoopAsync);
    }

    public static RecordingHttpServer Start() => LoopbackPort.Bind(port =>
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        return new RecordingHttpServer(listener, port);
    });

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    /// <summary>The answer (status, JSON body) to a request; set by the test before requests arrive.</summary>
    public Func<RecordedRequest, (int Status, string Body)> Respond { get; set; } = _ => (200, "{}");

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Polls until <paramref name="count"/> requests matching <paramref name="match"/> arrived; returns them.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForAsync(Func<RecordedRequest, bool> match, int count = 1, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var found = Requests.Where(match).ToList();
            if (found.Count >= count) return found;
            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
                throw new TimeoutException($"{found.Count} of {count} expected requests arrived; all requests:\n" +
                    string.Join('\n', Requests.Select(r => $"{r.Method} {r.PathAndQuery} {r.Body}")));
            await Task.Delay(20);
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            try
            {
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var headers = context.Request.Headers.AllKeys.OfType<string>()
                    .ToDictionary(k => k.ToLowerInvariant(), k => context.Request.Headers[k] ?? "");
                var request = new RecordedRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, headers, body);
                _requests.Enqueue(request);
                var (status, answer) = Respond(request);
                var bytes = Encoding.UTF8.GetBytes(answer);
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                // the client went away
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        // Close alone: Stop then Close makes the managed listener bind the port again to unregister
        // its prefix, which fails ("Address already in use") once another test has taken the port.
        _listener.Close();
        _stop.Dispose();
    }
}
