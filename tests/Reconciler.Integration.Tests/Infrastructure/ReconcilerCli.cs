using System.Diagnostics;

namespace Reconciler.Integration.Tests.Infrastructure;

/// <summary>Runs the real <c>reconciler</c> CLI (the host's entry point, built next to the tests) as a child process.</summary>
internal static class ReconcilerCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
    }

    public static Task<Result> RunAsync(EngineFixture fx, string workingDirectory, params string[] args) =>
        RunAsync(fx, workingDirectory, new Dictionary<string, string>(), args);

    /// <param name="environment">Variables set for the child on top of the test's own environment.</param>
    public static async Task<Result> RunAsync(EngineFixture fx, string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "reconciler.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project must reference src/Reconciler");
        var psi = new ProcessStartInfo(DotnetHost(), ["exec", dll, .. args])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The project is named by -p and the files by -f; nothing from the caller's environment may change that.
        foreach (var variable in new[] { "COMPOSE_PROJECT_NAME", "COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_PATH_SEPARATOR" })
        {
            psi.Environment.Remove(variable);
        }
        psi.Environment["DOCKER_CONFIG"] = fx.EmptyDockerConfig;
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the reconciler CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"reconciler {string.Join(' ', args)} did not finish within 3 minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The dotnet host running the tests (set by <c>dotnet test</c>), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
