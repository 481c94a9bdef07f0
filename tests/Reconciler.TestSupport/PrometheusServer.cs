using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Reconciler.TestSupport;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package) scraping one target every second under the
/// job name the alert rules expect, on a free loopback port, with its data in a given directory; and
/// its query API. Killed on dispose.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _api;

    /// <summary>
    /// The binary, or null when it is not installed and CI is not set (the caller then has nothing to
    /// check); under CI a missing binary throws: CI must install the package (tests/setup/engine.sh).
    /// </summary>
    public static string? Binary()
    {
        if (System.IO.File.Exists("/usr/bin/prometheus")) return "/usr/bin/prometheus";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            throw new InvalidOperationException("prometheus is not installed and CI is set: install Debian's `prometheus` package (tests/setup/engine.sh).");
        return null;
    }

    public PrometheusServer(string binary, string directory, string target)
    {
        var port = FreePort();
        var config = Path.Combine(directory, "prometheus.yml");
        System.IO.File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: reconciler
                static_configs:
                  - targets: ['{target}']
            """);
        var psi = new ProcessStartInfo(binary,
        [
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "prometheus-data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        ])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        if (!_process.Start()) throw new InvalidOperationException($"could not start {binary}");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _api = $"http://127.0.0.1:{port}/api/v1/query";
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>The instant vector's samples (empty when the expression has no data, or Prometheus is still starting).</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string expr)
    {
        string body;
        try
        {
            body = await _http.GetStringAsync($"{_api}?query={Uri.EscapeDataString(expr)}");
        }
        catch (HttpRequestException)
        {
            return [];
        }
        using var json = JsonDocument.Parse(body);
        if (json.RootElement.GetProperty("status").GetString() != "success")
            throw new InvalidOperationException($"Prometheus refused {expr}: {body}");
        return
        [
            .. json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => (
                (IReadOnlyDictionary<string, string>)r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
                double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture))),
        ];
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _http.Dispose();
    }
}
