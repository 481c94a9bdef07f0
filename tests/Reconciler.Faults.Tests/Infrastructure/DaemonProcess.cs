using Reconciler.Core.Policy;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>The daemon's config for one stack in one repo, written as a user would.</summary>
public sealed record DaemonSettings
{
    public required string StateDir { get; init; }
    public required string RepoPath { get; init; }
    public required string Stack { get; init; }
    public string StackPath { get; init; } = "app";
    public string Interval { get; init; } = "1s";
    public string DriftInterval { get; init; } = "2s";
    public string HealthTimeout { get; init; } = "20s";
    public bool Prune { get; init; } = true;
    public bool SelfHeal { get; init; } = true;
    public bool PruneStacks { get; init; }
    public string Rollback { get; init; } = "auto";
    public string? DockerHost { get; init; }
    public int Port { get; init; }

    /// <summary><c>telemetry.otlp_endpoint</c>, e.g. an <see cref="OtlpSink"/>'s URL.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>More keys of the stack, verbatim, each line indented by four spaces (host_files:, limits:, …).</summary>
    public string? StackYaml { get; init; }

    /// <summary>More items of <c>stacks:</c>, verbatim (<c>  - name: …</c>), on the same repo.</summary>
    public string? MoreStacksYaml { get; init; }

    public string Yaml()
    {
        var b = new StringBuilder();
        if (DockerHost is not null) b.Append($"docker:\n  host: {DockerHost}\n");
        b.Append($"state_dir: {StateDir}\n");
        b.Append($"metrics:\n  listen: 127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}\n");
        if (OtlpEndpoint is not null) b.Append($"telemetry:\n  otlp_endpoint: {OtlpEndpoint}\n");
        b.Append($"prune_stacks: {(PruneStacks ? "true" : "false")}\n");
        b.Append($"repos:\n  - name: origin\n    url: {RepoPath}\n    branch: main\n    interval: {Interval}\n");
        b.Append($"stacks:\n  - name: {Stack}\n    repo: origin\n    path: {StackPath}\n");
        b.Append($"    prune: {(Prune ? "true" : "false")}\n    self_heal: {(SelfHeal ? "true" : "false")}\n");
        b.Append($"    drift_interval: {DriftInterval}\n    health_timeout: {HealthTimeout}\n    rollback: {Rollback}\n");
        if (StackYaml is not null) b.Append(StackYaml);
        if (MoreStacksYaml is not null) b.Append(MoreStacksYaml);
        return b.ToString();
    }
}

/// <summary>One row of <c>reconciler history</c>.</summary>
public sealed record HistoryRow(string Commit, string Result, int Actions, string Trigger, string Line, string? Error);

/// <summary>
/// <c>reconciler run</c> as a child process (the built reconciler.dll next to the tests), which a
/// test can SIGKILL and start again on the same config and state_dir; plus the one-shot commands
/// on that config (<c>status</c>, <c>history</c>, <c>plan</c>) and the HTTP listener.
/// </summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private Process? _process;
    private int _starts;

    public DaemonProcess(DaemonSettings settings, string configPath, string dockerConfig, OutputLog log)
    {
        Settings = settings;
        ConfigPath = configPath;
        DockerConfig = dockerConfig;
        Log = log;
        File.WriteAllText(configPath, settings.Yaml());
    }

    public DaemonSettings Settings { get; }
    public string ConfigPath { get; }
    public string DockerConfig { get; }
    public OutputLog Log { get; }
    public int Kills { get; private set; }
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;
    public bool Running => _process is { HasExited: false };
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Variables set (or, when null, removed) in the daemon's environment on top of <see cref="ChildEnvironment"/>; not in the one-shot commands'.</summary>
    public Dictionary<string, string?> ExtraEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>reconciler.dll: copied next to the tests by the project reference, or RECONCILER_DLL.</summary>
    public static string Dll =>
        Environment.GetEnvironmentVariable("RECONCILER_DLL") is { Length: > 0 } dll ? dll : Path.Combine(AppContext.BaseDirectory, "reconciler.dll");

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>A TCP port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static IReadOnlyDictionary<string, string?> ChildEnvironment(string dockerConfig) => new Dictionary<string, string?>
    {
        ["DOCKER_CONFIG"] = dockerConfig,
        ["DOCKER_HOST"] = null,
        ["DOCKER_CONTEXT"] = null,
        ["COMPOSE_PROJECT_NAME"] = null,
        ["COMPOSE_FILE"] = null,
        ["COMPOSE_PROFILES"] = null,
        ["WATCHDOG_USEC"] = null,
        ["NOTIFY_SOCKET"] = null,
        ["DOTNET_SYSTEM_IO_DISABLEFILELOCKING"] = null,
    };

    public void Start()
    {
        if (Running) throw new InvalidOperationException("the daemon is already running");
        if (!File.Exists(Dll)) throw new FileNotFoundException($"{Dll} is missing: the test project must reference src/Reconciler");
        var psi = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ConfigPath)!,
        };
        foreach (var a in new[] { "exec", Dll, "run", "-c", ConfigPath }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in ChildEnvironment(DockerConfig).Concat(ExtraEnvironment))
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var n = ++_starts;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) Log.Line($"[{n}] {e.Data}"); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log.Line($"[{n}!] {e.Data}"); };
        Log.Line($"=== start #{n} {DateTime.UtcNow:HH:mm:ss.fff}");
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a power cut of the process.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } p) return;
        Sh.Signal(p.Id, Sh.SigKill);
        p.WaitForExit(10_000);
        Kills++;
        Log.Line($"=== SIGKILL {DateTime.UtcNow:HH:mm:ss.fff}");
    }

    /// <summary>SIGTERM and wait for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p) return;
        Sh.Signal(p.Id, Sh.SigTerm);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
        Log.Line($"=== stopped {DateTime.UtcNow:HH:mm:ss.fff}");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }

    /// <summary>A one-shot command on this daemon's config: <c>reconciler ARGS -c CONFIG</c>.</summary>
    public Task<Sh.Result> CliAsync(params string[] args) =>
        Sh.RunAsync(DotnetHost, ["exec", Dll, .. args, "-c", ConfigPath], Path.GetDirectoryName(ConfigPath),
            ChildEnvironment(DockerConfig), TimeSpan.FromMinutes(1));

    public async Task<string> StatusAsync()
    {
        var r = await CliAsync("status");
        return r.Stdout + r.Stderr;
    }

    public Task<IReadOnlyList<HistoryRow>> HistoryAsync() => HistoryAsync(Settings.Stack);

    /// <summary><c>reconciler history STACK</c>, parsed.</summary>
    public async Task<IReadOnlyList<HistoryRow>> HistoryAsync(string stack) => ParseHistory((await CliAsync("history", stack, "-n", "500")).Stdout);

    public static IReadOnlyList<HistoryRow> ParseHistory(string stdout)
    {
        var rows = new List<HistoryRow>();
        foreach (var line in stdout.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (char.IsWhiteSpace(line[0]))
            {
                if (rows.Count > 0) rows[^1] = rows[^1] with { Error = (rows[^1].Error is null ? "" : rows[^1].Error + "\n") + line.Trim() };
                continue;
            }
            // 2026-11-25 19:21:46Z  32a0278cd592  rolled_back   1 actions      4.4s  poll     t: bad
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (parts.Count > 4 && parts[3] == "in" && parts[4] == "progress")
            {
                parts[3] = "in_progress";
                parts.RemoveAt(4);
            }
            if (parts.Count < 8) continue;
            rows.Add(new HistoryRow(parts[2], parts[3], int.TryParse(parts[4], out var n) ? n : -1, parts[7], line, null));
        }
        return rows;
    }

    public async Task<(int Code, string Body)> GetAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{Settings.Port}{path}");
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }
}
