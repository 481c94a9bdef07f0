using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace Reconciler.TestSupport;

/// <summary>One row of <c>reconciler history</c>.</summary>
public sealed record HistoryRow(string Commit, string Result, int Actions, string Trigger, string Line, string? Error);

/// <summary>
/// <c>reconciler run -c CONFIG</c> as a child process (<c>dotnet exec reconciler.dll</c>, so the pid
/// is the daemon's own), which a test can signal, SIGKILL and start again on the same config and
/// state_dir; everything it prints is kept (<see cref="Output"/>) and passed to the log the test
/// gave. Plus the one-shot commands on that config (<c>status</c>, <c>history</c>, …) and GETs on
/// its HTTP listener. Disposing stops it with SIGTERM, then SIGKILL if it does not go.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DaemonProcess : IDisposable, IAsyncDisposable
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly StringBuilder _output = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Action<string>? _log;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private Process? _process;
    private int _starts;
    private int? _exitCode;

    /// <param name="configPath">The daemon's config (written by the caller).</param>
    /// <param name="dockerConfig">DOCKER_CONFIG of the daemon and the one-shot commands: an empty one keeps ~/.docker out.</param>
    /// <param name="workingDirectory">Of the daemon and the commands; the config's directory when null.</param>
    /// <param name="log">Gets every line the daemon prints and the harness's own markers (start, SIGKILL, stop).</param>
    /// <param name="environment">Set (or, when null, removed) on top of <see cref="ChildEnvironment"/>, for the daemon and the commands.</param>
    public DaemonProcess(string configPath, string dockerConfig, string? workingDirectory = null, Action<string>? log = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        ConfigPath = configPath;
        DockerConfig = dockerConfig;
        WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(configPath)!;
        _log = log;
        _environment = environment ?? new Dictionary<string, string?>();
    }

    public string ConfigPath { get; }
    public string DockerConfig { get; }
    public string WorkingDirectory { get; }

    /// <summary>The stack <see cref="HistoryAsync()"/> reads.</summary>
    public string? Stack { get; init; }

    /// <summary>The config's <c>metrics.listen</c> port on 127.0.0.1, for <see cref="GetAsync"/>.</summary>
    public int? Port { get; init; }

    /// <summary>Variables set (or, when null, removed) in the daemon's environment only, not in the one-shot commands'.</summary>
    public Dictionary<string, string?> ExtraEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>The pid of the last start (kept: it stays readable after the process ended); 0 before the first.</summary>
    public int Pid { get; private set; }

    public int Kills { get; private set; }
    public bool Running => _process is { HasExited: false };

    /// <summary>The last run's exit code once it ended; null while it runs or before it started.</summary>
    public int? ExitCode => _process is null ? _exitCode : _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the daemon printed so far, stdout and stderr interleaved, each line stamped with seconds since the harness was made.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>reconciler.dll: copied next to the tests by the project reference to src/Reconciler, or RECONCILER_DLL.</summary>
    public static string Dll =>
        Environment.GetEnvironmentVariable("RECONCILER_DLL") is { Length: > 0 } dll ? dll : Path.Combine(AppContext.BaseDirectory, "reconciler.dll");

    /// <summary>The dotnet host running the tests (set by <c>dotnet test</c>), else the one on PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// The environment of every child: the given Docker config, and nothing from the caller's that
    /// could change the stack's project name, talk to systemd or change how files are locked.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> ChildEnvironment(string dockerConfig) => new Dictionary<string, string?>
    {
        ["DOCKER_CONFIG"] = dockerConfig,
        ["DOTNET_NOLOGO"] = "1",
        ["COMPOSE_PROJECT_NAME"] = null,
        ["COMPOSE_FILE"] = null,
        ["COMPOSE_PROFILES"] = null,
        ["COMPOSE_PATH_SEPARATOR"] = null,
        ["WATCHDOG_USEC"] = null,
        ["NOTIFY_SOCKET"] = null,
        ["DOTNET_SYSTEM_IO_DISABLEFILELOCKING"] = null,
    };

    /// <summary>Starts (or, once it ended, starts again) <c>reconciler run -c CONFIG EXTRA…</c>.</summary>
    public void Start(params string[] extraArgs)
    {
        if (Running)
        {
            throw new InvalidOperationException("the daemon is already running");
        }
        if (!File.Exists(Dll))
        {
            throw new FileNotFoundException($"{Dll} is missing: the test project must reference src/Reconciler");
        }
        var psi = StartInfo(["run", "-c", ConfigPath, .. extraArgs], ExtraEnvironment);
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var n = ++_starts;
        p.OutputDataReceived += (_, e) => Append($"#{n} out", e.Data);
        p.ErrorDataReceived += (_, e) => Append($"#{n} err", e.Data);
        Mark($"start #{n}");
        if (!p.Start())
        {
            throw new InvalidOperationException("could not start reconciler run");
        }
        _process?.Dispose();
        _process = p;
        _exitCode = null;
        Pid = p.Id;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    /// <summary>Sends a POSIX signal to the daemon (SIGTERM is what systemd and docker stop send).</summary>
    public void Signal(int signal)
    {
        if (Kill(Pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a power cut of the process.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }
        Signal(SigKill);
        p.WaitForExit(10_000);
        Kills++;
        Mark("SIGKILL");
    }

    /// <summary>SIGTERM and wait for a clean exit (40 s, then SIGKILL).</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }
        Signal(SigTerm);
        if (!await WaitForExitAsync(TimeSpan.FromSeconds(40)))
        {
            Kill();
        }
        Mark("stopped");
    }

    /// <summary>Waits for the process to end; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is not { } p)
        {
            return true;
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            // Returns once the process ended and its output streams closed.
            await p.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Once it ended: waits until everything it printed is in <see cref="Output"/>.</summary>
    public void WaitForOutput() => _process?.WaitForExit(); // without a timeout it also waits for the output streams to close

    /// <summary>The daemon's resident memory in KiB, from /proc/PID/status (VmRSS).</summary>
    public long? ResidentKiB()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>The outcome of a one-shot command.</summary>
    public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
    {
        public bool Ok => ExitCode == 0;

        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
    }

    /// <summary>A one-shot command on this daemon's config: <c>reconciler ARGS -c CONFIG</c> (two minutes at most).</summary>
    public async Task<CliResult> CliAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo([.. args, "-c", ConfigPath], daemonOnly: null))
            ?? throw new InvalidOperationException("could not start the reconciler CLI");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"reconciler {string.Join(' ', args)} did not finish within 2 minutes");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>reconciler status</c>: stdout and stderr together.</summary>
    public async Task<string> StatusAsync()
    {
        var r = await CliAsync("status");
        return r.Stdout + r.Stderr;
    }

    /// <summary><c>reconciler history</c> of <see cref="Stack"/>, parsed.</summary>
    public Task<IReadOnlyList<HistoryRow>> HistoryAsync() =>
        HistoryAsync(Stack ?? throw new InvalidOperationException("this daemon was made without a Stack"));

    /// <summary><c>reconciler history STACK -n 500</c>, parsed.</summary>
    public async Task<IReadOnlyList<HistoryRow>> HistoryAsync(string stack) => ParseHistory((await CliAsync("history", stack, "-n", "500")).Stdout);

    public static IReadOnlyList<HistoryRow> ParseHistory(string stdout)
    {
        var rows = new List<HistoryRow>();
        foreach (var line in stdout.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }
            if (char.IsWhiteSpace(line[0]))
            {
                if (rows.Count > 0)
                {
                    rows[^1] = rows[^1] with { Error = (rows[^1].Error is null ? "" : rows[^1].Error + "\n") + line.Trim() };
                }
                continue;
            }
            // 2026-11-25 19:21:46Z  32a0278cd592  rolled_back   1 actions      4.4s  poll     t: bad
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (parts.Count > 4 && parts[3] == "in" && parts[4] == "progress")
            {
                parts[3] = "in_progress";
                parts.RemoveAt(4);
            }
            if (parts.Count < 8)
            {
                continue;
            }
            rows.Add(new HistoryRow(parts[2], parts[3], int.TryParse(parts[4], out var n) ? n : -1, parts[7], line, null));
        }
        return rows;
    }

    /// <summary>GET on the listener at <see cref="Port"/>: the status code and body, or (0, the error) when nothing answers.</summary>
    public async Task<(int Code, string Body)> GetAsync(string path)
    {
        var port = Port ?? throw new InvalidOperationException("this daemon was made without a Port");
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}{path}");
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Release();
    }

    public void Dispose()
    {
        if (_process is { HasExited: false } p)
        {
            Kill(p.Id, SigTerm);
            if (!p.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        Release();
    }

    private void Release()
    {
        if (_process is { HasExited: true } p)
        {
            _exitCode = p.ExitCode;
        }
        _process?.Dispose();
        _process = null;
    }

    private ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? daemonOnly)
    {
        var psi = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory,
        };
        foreach (var a in (string[])["exec", Dll, .. args])
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in ChildEnvironment(DockerConfig).Concat(_environment).Concat(daemonOnly ?? new Dictionary<string, string?>()))
        {
            if (v is null)
            {
                psi.Environment.Remove(k);
            }
            else
            {
                psi.Environment[k] = v;
            }
        }
        return psi;
    }

    private void Mark(string what) => Append("===", $"{what} {DateTime.UtcNow:HH:mm:ss.fff}");

    private void Append(string stream, string? line)
    {
        if (line is null)
        {
            return;
        }
        var stamped = string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,7:0.00}s {stream}] {line}");
        lock (_output)
        {
            _output.Append(stamped).Append('\n');
        }
        _log?.Invoke(stamped);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
