using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Reconciler.Daemon.Tests.Infrastructure;

/// <summary>
/// <c>reconciler run -c CONFIG</c> as a child process (<c>dotnet exec reconciler.dll</c>, so the
/// pid is the daemon's own), its stdout and stderr kept for assertions and failure messages.
/// Disposing stops it with SIGTERM, then SIGKILL if it does not go.
/// </summary>
internal sealed class DaemonProcess : IDisposable
{
    public const int SigTerm = 15;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private DaemonProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The daemon's pid (kept: it stays readable after the process is disposed).</summary>
    public int Pid { get; private set; }
    public bool HasExited => _disposed || _process.HasExited;
    public int ExitCode => _exitCode ?? _process.ExitCode;

    private bool _disposed;
    private int? _exitCode;

    /// <summary>Everything the daemon printed so far, stdout and stderr interleaved, each line stamped with seconds since start.</summary>
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

    public static DaemonProcess Start(DaemonFixture fx, string configPath, params string[] extraArgs)
    {
        var psi = ReconcilerCli.StartInfo(fx, ["run", "-c", configPath, .. extraArgs]);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var daemon = new DaemonProcess(process);
        process.OutputDataReceived += (_, e) => daemon.Append("out", e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Append("err", e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start reconciler run");
        }
        daemon.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    private void Append(string stream, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Append(System.Globalization.CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,7:0.00}s {stream}] {line}\n");
        }
    }

    /// <summary>Sends a POSIX signal to the daemon (SIGTERM is what systemd and docker stop send).</summary>
    public void Signal(int signal)
    {
        if (Kill(Pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the process to end; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            // WaitForExitAsync returns once the process ended and its output streams closed.
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Once <see cref="HasExited"/>: waits until everything it printed is in <see cref="Output"/>.</summary>
    public void WaitForOutput()
    {
        if (!_disposed)
        {
            _process.WaitForExit(); // the overload without a timeout also waits for the output streams to close
        }
    }

    /// <summary>The daemon's resident memory in KiB, from /proc/PID/status (VmRSS).</summary>
    public long? ResidentKiB()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                Kill(Pid, SigTerm);
                if (!_process.WaitForExit(TimeSpan.FromSeconds(15)))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(TimeSpan.FromSeconds(5));
                }
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
        if (_process.HasExited)
        {
            _exitCode = _process.ExitCode;
        }
        _disposed = true;
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>One-shot <c>reconciler</c> commands (status, history, suspend, resume) against a daemon's config.</summary>
internal static class ReconcilerCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
    }

    public static ProcessStartInfo StartInfo(DaemonFixture fx, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = fx.Root,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(fx.ReconcilerDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        // The stack's project name is the config's; nothing from the caller's environment may change it.
        foreach (var variable in new[] { "COMPOSE_PROJECT_NAME", "COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_PATH_SEPARATOR", "NOTIFY_SOCKET", "WATCHDOG_USEC" })
        {
            psi.Environment.Remove(variable);
        }
        psi.Environment["DOCKER_CONFIG"] = fx.EmptyDockerConfig;
        psi.Environment["DOTNET_NOLOGO"] = "1";
        return psi;
    }

    public static async Task<Result> RunAsync(DaemonFixture fx, params string[] args)
    {
        using var process = Process.Start(StartInfo(fx, args)) ?? throw new InvalidOperationException("could not start the reconciler CLI");
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
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The dotnet host running the tests (set by <c>dotnet test</c>), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
