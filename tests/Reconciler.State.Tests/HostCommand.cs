using System.Diagnostics;

namespace Reconciler.State.Tests;

/// <summary>
/// Runs a system command the failure tests need (mount, chattr). They run as root, as the
/// developers' machines and CI do; without the privilege the test fails saying so.
/// </summary>
internal static class HostCommand
{
    public static void Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Trim()} (this test needs root)");
        }
    }
}
