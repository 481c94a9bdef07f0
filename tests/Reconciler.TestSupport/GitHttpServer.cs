using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Reconciler.TestSupport;

/// <summary>
/// Smart HTTP on 127.0.0.1: git's own <c>git http-backend</c> run as a CGI program per request,
/// behind HTTP basic auth. HttpListener is only the CGI host (no web server package needed);
/// everything git says is git's.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class GitHttpServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly string _projectRoot;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public GitHttpServer(string projectRoot, string user, string password)
    {
        _projectRoot = projectRoot;
        User = user;
        Password = password;
        (_listener, Port) = LoopbackPort.Bind(port =>
        {
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch
            {
                listener.Close();
                throw;
            }
            return (listener, port);
        });
        _loop = Task.Run(AcceptLoop);
    }

    public int Port { get; }
    public string User { get; }
    public string Password { get; }

    /// <summary>Requests served, as "METHOD path?query", for checking what a client asked for.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public string UrlFor(string repoDirectoryName) => $"http://127.0.0.1:{Port}/{repoDirectoryName}";

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            _ = Task.Run(() => Serve(context));
        }
    }

    private async Task Serve(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            Requests.Enqueue($"{request.HttpMethod} {request.Url!.AbsolutePath}{request.Url.Query}");
            if (!Authorized(request.Headers["Authorization"]))
            {
                response.StatusCode = 401;
                response.AddHeader("WWW-Authenticate", "Basic realm=\"git\"");
                response.Close();
                return;
            }
            await RunBackend(request, response);
        }
        catch (Exception e)
        {
            try
            {
                response.StatusCode = 500;
                var body = Encoding.UTF8.GetBytes(e.Message);
                await response.OutputStream.WriteAsync(body);
                response.Close();
            }
            catch (Exception)
            {
                // the client went away
            }
        }
    }

    private bool Authorized(string? header)
    {
        if (header is null || !header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])) == $"{User}:{Password}";
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private async Task RunBackend(HttpListenerRequest request, HttpListenerResponse response)
    {
        var start = new ProcessStartInfo("git", ["http-backend"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = start.Environment;
        env["GIT_PROJECT_ROOT"] = _projectRoot;
        env["GIT_HTTP_EXPORT_ALL"] = "1";
        env["GIT_CONFIG_NOSYSTEM"] = "1";
        env["GIT_CONFIG_GLOBAL"] = "/dev/null";
        env["REQUEST_METHOD"] = request.HttpMethod;
        env["PATH_INFO"] = Uri.UnescapeDataString(request.Url!.AbsolutePath);
        env["QUERY_STRING"] = request.Url.Query.TrimStart('?');
        env["CONTENT_TYPE"] = request.ContentType ?? "";
        env["REMOTE_USER"] = User;
        env["REMOTE_ADDR"] = "127.0.0.1";
        env["GATEWAY_INTERFACE"] = "CGI/1.1";
        env["SERVER_PROTOCOL"] = "HTTP/1.1";
        if (request.Headers["Content-Encoding"] is { } encoding)
        {
            env["HTTP_CONTENT_ENCODING"] = encoding;
        }
        if (request.Headers["Git-Protocol"] is { } protocol)
        {
            env["GIT_PROTOCOL"] = protocol;
        }
        if (request.ContentLength64 >= 0)
        {
            env["CONTENT_LENGTH"] = request.ContentLength64.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        using var cgi = Process.Start(start)!;
        var stderr = cgi.StandardError.ReadToEndAsync();
        var feed = Task.Run(async () =>
        {
            await request.InputStream.CopyToAsync(cgi.StandardInput.BaseStream);
            cgi.StandardInput.Close();
        });

        var output = cgi.StandardOutput.BaseStream;
        var status = 200;
        foreach (var line in ReadHeaderLines(output))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                status = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentLength64 = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                response.AddHeader(name, value);
            }
        }
        response.StatusCode = status;
        if (response.ContentLength64 == 0)
        {
            response.SendChunked = true;
        }
        await output.CopyToAsync(response.OutputStream);
        await feed;
        await cgi.WaitForExitAsync();
        _ = await stderr;
        response.Close();
    }

    /// <summary>The CGI response's header lines, read byte by byte so the body stays in the stream.</summary>
    private static IEnumerable<string> ReadHeaderLines(Stream output)
    {
        var line = new List<byte>();
        while (true)
        {
            var b = output.ReadByte();
            if (b < 0)
            {
                yield break;
            }
            if (b == '\n')
            {
                var text = Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
                line.Clear();
                if (text.Length == 0)
                {
                    yield break;
                }
                yield return text;
                continue;
            }
            line.Add((byte)b);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
