using System.IO.Compression;
using System.Net;
using System.Text;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP traces endpoint that keeps every export request's body as it came. Spans are
/// protobuf, in which strings (span names, attributes, status messages) are plain UTF-8 bytes: a
/// secret in any span shows up as a substring of a body, so no decoding is needed to look for one,
/// nor to see that the spans of a commit arrived (its sha is an attribute).
/// </summary>
public sealed class OtlpSink : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<string> _bodies = [];
    private readonly object _gate = new();
    private readonly Task _loop;

    public OtlpSink()
    {
        Port = LoopbackPort.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The daemon's <c>telemetry.otlp_endpoint</c>: the traces path selects OTLP/HTTP protobuf.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}/v1/traces";

    /// <summary>How many export requests arrived so far (a mark for <see cref="Since"/>).</summary>
    public int Count
    {
        get { lock (_gate) return _bodies.Count; }
    }

    /// <summary>The bodies received after <paramref name="mark"/>, each decoded as Latin-1 so that every byte is one char (UTF-8 text stays findable as its bytes).</summary>
    public IReadOnlyList<string> Since(int mark)
    {
        lock (_gate) return _bodies.Skip(mark).ToList();
    }

    /// <summary>Whether <paramref name="text"/> occurs (as UTF-8) in a body received after <paramref name="mark"/>.</summary>
    public bool Contains(string text, int mark = 0)
    {
        var needle = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));
        return Since(mark).Any(b => b.Contains(needle, StringComparison.Ordinal));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                using var body = new MemoryStream();
                Stream input = context.Request.InputStream;
                if (string.Equals(context.Request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
                    input = new GZipStream(input, CompressionMode.Decompress);
                await input.CopyToAsync(body);
                lock (_gate) _bodies.Add(Encoding.Latin1.GetString(body.ToArray()));
                // An empty ExportTraceServiceResponse: zero bytes of protobuf.
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.ContentLength64 = 0;
                context.Response.Close();
            }
            catch (Exception e) when (e is IOException or HttpListenerException or InvalidDataException)
            {
                try { context.Response.Abort(); } catch (ObjectDisposedException) { }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone (not Stop, then Close): see RecordingHttpServer.Dispose.
        _listener.Close();
        try { await _loop; } catch (ObjectDisposedException) { }
    }
}
