using System.Diagnostics;
using System.Text;

namespace Reconciler.TestSupport;

/// <summary>Runs a command for the test fixtures and fails loudly with its output.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? env = null, string? stdin = null, TimeSpan? timeout = null, byte[]? stdinBytes = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }
        if (stdinBytes is not null)
        {
            p.StandardInput.BaseStream.Write(stdinBytes);
        }
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Check(string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? env = null, string? stdin = null) =>
        Check(file, args, workingDirectory, env, stdin, stdinBytes: null);

    /// <summary><see cref="Check(string, IEnumerable{string}, string?, IDictionary{string, string}?, string?)"/> with bytes on stdin.</summary>
    public static string CheckBinaryInput(string file, IEnumerable<string> args, string? workingDirectory, IDictionary<string, string>? env, byte[] stdin) =>
        Check(file, args, workingDirectory, env, stdin: null, stdinBytes: stdin);

    private static string Check(string file, IEnumerable<string> args, string? workingDirectory, IDictionary<string, string>? env, string? stdin, byte[]? stdinBytes)
    {
        var list = args.ToList();
        var r = Run(file, list, workingDirectory, env, stdin, stdinBytes: stdinBytes);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {string.Join(' ', list)}` exited {r.ExitCode}: {r.Stderr}{r.Stdout}");
        }
        return r.Stdout;
    }
}
