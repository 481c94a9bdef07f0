using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.Daemon.Tests.Infrastructure;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven over the DevTools protocol (a WebSocket, no driver
/// package): navigate, wait for the load event, evaluate in the page, take screenshots, and collect
/// everything the page reports as an error (console errors, uncaught exceptions, and log entries,
/// which is where a content security policy violation or a failed load shows up). The browser
/// runs on a user data directory of its own, removed on dispose with the process.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Binary = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentQueue<JsonElement> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _stderr = new();
    private Task _receiving = Task.CompletedTask;
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Errors the page reported since start, one line each.</summary>
    public IReadOnlyList<string> Errors => [.. _events.Select(ErrorOf).OfType<string>()];

    /// <summary>Finds chromium (installing it with apt-get as root when missing) or fails saying how to get it; never skips.</summary>
    public static void Ensure()
    {
        if (File.Exists(Binary)) return;
        if (Environment.UserName == "root")
        {
            var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            string[] install = ["install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300", "chromium"];
            if (ProcessRunner.Run("apt-get", install, env: env, timeout: TimeSpan.FromMinutes(10)).ExitCode != 0)
            {
                ProcessRunner.Run("apt-get", ["update", "-q"], env: env, timeout: TimeSpan.FromMinutes(10));
                ProcessRunner.Run("apt-get", install, env: env, timeout: TimeSpan.FromMinutes(10));
            }
        }
        if (!File.Exists(Binary))
        {
            var ci = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
            throw new InvalidOperationException(
                $"{Binary} is missing: run `sudo apt-get install -y chromium` (tests/setup/engine.sh installs it). " +
                (ci ? "CI is set: the CI setup must install it. " : "") + "The status page's browser test fails rather than skips without it.");
        }
    }

    public static async Task<HeadlessChromium> StartAsync(TimeSpan timeout)
    {
        Ensure();
        var profile = Directory.CreateTempSubdirectory("reconciler-chromium-").FullName;
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank",
        })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start chromium");
        var browser = new HeadlessChromium(process, profile);
        process.ErrorDataReceived += (_, e) => { lock (browser._stderr) browser._stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await browser.ConnectAsync(timeout);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>The port chromium chose is written to DevToolsActivePort in its profile; the page target's socket is listed at /json/list.</summary>
    private async Task ConnectAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var portFile = Path.Combine(_profile, "DevToolsActivePort");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"chromium exited with {_process.ExitCode}:\n{Stderr}");
            if (watch.Elapsed > timeout) throw new TimeoutException($"chromium did not open its DevTools port within {timeout.TotalSeconds:0}s:\n{Stderr}");
            try
            {
                if (File.Exists(portFile) && File.ReadAllLines(portFile) is [var port, ..] && port.Length > 0)
                {
                    using var list = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"));
                    var page = list.RootElement.EnumerateArray().FirstOrDefault(t => t.GetProperty("type").GetString() == "page");
                    if (page.ValueKind == JsonValueKind.Object)
                    {
                        await _socket.ConnectAsync(new Uri(page.GetProperty("webSocketDebuggerUrl").GetString()!), CancellationToken.None);
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException or JsonException or TaskCanceledException)
            {
                // not up yet
            }
            await Task.Delay(100);
        }
        _receiving = Task.Run(ReceiveAsync);
        await SendAsync("Runtime.enable");
        await SendAsync("Log.enable");
        await SendAsync("Page.enable");
    }

    private string Stderr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    /// <summary>Sends a command and returns its result; a protocol error fails.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var answer = await reply.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (answer.TryGetProperty("error", out var error)) throw new InvalidOperationException($"{method}: {error}");
        return answer.GetProperty("result");
    }

    /// <summary>Opens <paramref name="url"/> and returns once its load event fired.</summary>
    public async Task NavigateAsync(Uri url, TimeSpan timeout)
    {
        var loadsBefore = _events.Count(e => Method(e) == "Page.loadEventFired");
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        if (result.TryGetProperty("errorText", out var failed)) throw new InvalidOperationException($"navigating to {url}: {failed}");
        var watch = Stopwatch.StartNew();
        while (_events.Count(e => Method(e) == "Page.loadEventFired") == loadsBefore)
        {
            if (watch.Elapsed > timeout) throw new TimeoutException($"{url} did not finish loading within {timeout.TotalSeconds:0}s");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Evaluates <paramref name="expression"/> in the page and returns its value (by value: JSON).
    /// The page reloads itself (meta refresh): an evaluation that meets the reload is asked again
    /// once the new document is there.
    /// </summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
                if (result.TryGetProperty("exceptionDetails", out var thrown)) throw new InvalidOperationException($"evaluating {expression}: {thrown}");
                return result.GetProperty("result").GetProperty("value").Clone();
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("context", StringComparison.OrdinalIgnoreCase))
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The viewport as a device of this size (mobile: a phone's viewport and text sizing).</summary>
    public Task SetViewportAsync(int width, int height, bool mobile) =>
        SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = mobile,
        });

    /// <summary>A PNG of the whole page (beyond the viewport), written to <paramref name="path"/>.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close) return;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                var json = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                message.SetLength(0);
                if (json.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var reply)) reply.TrySetResult(json);
                else _events.Enqueue(json);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // closing
        }
        foreach (var pending in _pending.Values) pending.TrySetException(new InvalidOperationException($"chromium went away:\n{Stderr}"));
    }

    private static string? Method(JsonElement e) => e.TryGetProperty("method", out var m) ? m.GetString() : null;

    /// <summary>A reported error as one line, or null for any other event.</summary>
    private static string? ErrorOf(JsonElement e)
    {
        var p = e.TryGetProperty("params", out var ps) ? ps : default;
        return Method(e) switch
        {
            "Runtime.exceptionThrown" => "exception: " + p.GetProperty("exceptionDetails"),
            "Runtime.consoleAPICalled" when p.GetProperty("type").GetString() is "error" or "assert" => "console: " + p.GetProperty("args"),
            "Log.entryAdded" when p.GetProperty("entry").GetProperty("level").GetString() == "error" =>
                $"log ({p.GetProperty("entry").GetProperty("source").GetString()}): {p.GetProperty("entry").GetProperty("text").GetString()} {(p.GetProperty("entry").TryGetProperty("url", out var u) ? u.GetString() : "")}",
            _ => null,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closing.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        await _receiving.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // chromium's helpers may still hold a file for a moment; the temp dir is reclaimed later
        }
    }
}
