using System.Diagnostics;
using System.Text;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>Runs a program to completion with arguments passed as a list (no shell), capturing its output.</summary>
public static class Sh
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public bool Ok => ExitCode == 0;
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {(timeout ?? TimeSpan.FromMinutes(3)).TotalSeconds:0}s");
        }
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    public static Task<Result> RunAsync(string file, params string[] args) => RunAsync(file, (IEnumerable<string>)args);

    /// <summary>Runs and throws with the full output unless it exits 0; returns stdout.</summary>
    public static async Task<string> OkAsync(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var r = await RunAsync(file, args, workingDirectory, environment, timeout);
        if (!r.Ok) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {r}");
        return r.Stdout;
    }

    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Sends a signal to one process by its id (kill(2)); false if it is already gone.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

/// <summary>A thread-safe text sink for a child process's output, kept whole for diagnostics.</summary>
public sealed class OutputLog
{
    private readonly StringBuilder _text = new();
    private readonly string? _file;
    private readonly object _gate = new();

    public OutputLog(string? file = null) => _file = file;

    public void Line(string line)
    {
        lock (_gate)
        {
            _text.AppendLine(line);
            if (_file is not null) File.AppendAllText(_file, line + "\n");
        }
    }

    public string Text
    {
        get { lock (_gate) return _text.ToString(); }
    }

    public string Tail(int lines = 60)
    {
        var all = Text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public int Count(string needle)
    {
        var text = Text;
        var n = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = text.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
