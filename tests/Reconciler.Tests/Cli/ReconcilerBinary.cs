using System.Diagnostics;
using System.Text;
using Reconciler.TestSupport;

namespace Reconciler.Tests.Cli;

/// <summary>The built <c>reconciler</c> binary, run as a user runs it.</summary>
internal static class ReconcilerBinary
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "reconciler.dll");

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static ProcessRunner.Result Run(string workingDirectory, IDictionary<string, string>? env, params string[] args) =>
        ProcessRunner.Run(DotnetHost, ["exec", Dll, .. args], workingDirectory, env, timeout: TimeSpan.FromMinutes(2));

    /// <summary>
    /// Starts <c>reconciler run</c> and returns once a line of its output contains <paramref name="expected"/>
    /// (or it exited, or the time ran out), then stops it. Returns everything it printed.
    /// </summary>
    public static async Task<(string Output, bool Seen)> RunDaemonUntilAsync(string config, string expected, TimeSpan patience)
    {
        var start = new ProcessStartInfo(DotnetHost, ["exec", Dll, "run", "--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start reconciler run");
        var output = new StringBuilder();
        var seen = new TaskCompletionSource();
        void Line(string? line)
        {
            if (line is null) return;
            lock (output) output.AppendLine(line);
            if (line.Contains(expected, StringComparison.Ordinal)) seen.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Task.WhenAny(seen.Task, process.WaitForExitAsync(), Task.Delay(patience));
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        lock (output) return (output.ToString(), seen.Task.IsCompleted);
    }
}
