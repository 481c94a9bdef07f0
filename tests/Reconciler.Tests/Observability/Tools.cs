using System.Diagnostics;
using System.Reflection;

namespace Reconciler.Tests.Observability;

/// <summary>External tools the observability tests run (promtool, prometheus), and the repo's files.</summary>
internal static class Tools
{
    public static bool OnCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The checkout's root (where Reconciler.sln is).</summary>
    public static string RepoRoot { get; } = FindRoot();

    public static string Observability(params string[] parts) => Path.Combine([RepoRoot, "observability", .. parts]);

    /// <summary>
    /// The tool's path on PATH; null off CI when it is missing (the test then has nothing to check).
    /// Under CI a missing tool fails the test: CI must install Debian's <c>prometheus</c> package.
    /// </summary>
    public static string? Find(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path)) return path;
        }
        if (OnCi) Assert.Fail($"{tool} is not installed and CI is set: install Debian's `prometheus` package (tests/setup/engine.sh).");
        return null;
    }

    public sealed record Result(int ExitCode, string Output)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}";
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory ?? RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within 2 minutes");
        }
        return new Result(process.ExitCode, await stdout + await stderr);
    }

    private static string FindRoot()
    {
        var built = typeof(Tools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "Reconciler.sln"))) return built;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reconciler.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Reconciler.sln above {AppContext.BaseDirectory}");
    }
}
