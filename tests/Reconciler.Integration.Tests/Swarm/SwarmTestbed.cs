using System.Diagnostics;
using Reconciler.Docker;
using Reconciler.Docker.Swarm;

namespace Reconciler.Integration.Tests.Swarm;

/// <summary>
/// A three-node Swarm on this machine (tests/setup/swarm-testbed.sh: three dockerds, each in its
/// own network namespace, a registry at 10.213.0.1:5000 with a busybox image). The machine's own
/// engine is never touched and never joins a Swarm. Started if it is not up, and brought down again
/// at the end when this fixture started it. A bed that cannot start fails every test (never skips).
/// </summary>
public sealed class SwarmTestbed : IAsyncLifetime
{
    public const string Manager = "unix:///var/run/docker-sw1.sock";
    public const string Worker = "unix:///var/run/docker-sw2.sock";
    public const string Image = "10.213.0.1:5000/testbed/busybox:latest";
    /// <summary>Debian 12's docker.io client (docker/cli 20.10): the reference <c>docker stack deploy</c>.</summary>
    public const string DockerCli = "/usr/bin/docker";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "swarm-testbed.sh");
    private bool _started;

    public SwarmEngine Engine { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var wasUp = File.Exists("/var/run/docker-sw1.sock")
            && ProcessRunner.Run(DockerCli, ["-H", Manager, "info", "--format", "{{.Swarm.ControlAvailable}}"]).Stdout.Trim() == "true";
        if (!wasUp)
        {
            var watch = Stopwatch.StartNew();
            var up = ProcessRunner.Run("bash", [Script, "up"], timeout: TimeSpan.FromMinutes(3));
            if (up.ExitCode != 0)
                throw new InvalidOperationException($"the Swarm test bed did not start (bash tests/setup/swarm-testbed.sh up, as root, after tests/setup/engine.sh):\n{up.Stderr}");
            _started = true;
            Console.WriteLine($"swarm test bed up in {watch.Elapsed.TotalSeconds:F0} s");
        }
        Engine = new SwarmEngine(DockerEndpoint.Resolve(Manager));
        await Task.CompletedTask;
    }

    /// <summary>The reference CLI against the manager; throws with its stderr when it fails.</summary>
    public ProcessRunner.Result Docker(string? workingDirectory, params string[] args)
    {
        var result = ProcessRunner.Run(DockerCli, ["-H", Manager, .. args], workingDirectory, timeout: TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0) throw new InvalidOperationException($"docker {string.Join(' ', args)}: {result.Stderr}");
        return result;
    }

    /// <summary>Removes a stack's services, networks, secrets and configs and waits until the engine has let go of them.</summary>
    public async Task RemoveStackAsync(string stack)
    {
        ProcessRunner.Run(DockerCli, ["-H", Manager, "stack", "rm", stack]);
        foreach (var kind in new[] { "secret", "config" })
        {
            var ids = ProcessRunner.Run(DockerCli, ["-H", Manager, kind, "ls", "-q", "--filter", $"label=com.docker.stack.namespace={stack}"]).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (ids.Length > 0) ProcessRunner.Run(DockerCli, ["-H", Manager, kind, "rm", .. ids]);
        }
        // `stack rm` tries each network once: one whose tasks are still stopping (a case stops for up
        // to 45 s) stays behind, so leftovers are removed again until they go.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var networks = ProcessRunner.Run(DockerCli, ["-H", Manager, "network", "ls", "-q", "--filter", $"label=com.docker.stack.namespace={stack}"]).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var services = ProcessRunner.Run(DockerCli, ["-H", Manager, "service", "ls", "-q", "--filter", $"label=com.docker.stack.namespace={stack}"]).Stdout.Trim();
            if (networks.Length == 0 && services.Length == 0) return;
            if (services.Length == 0) ProcessRunner.Run(DockerCli, ["-H", Manager, "network", "rm", .. networks]);
            await Task.Delay(500);
        }
        throw new TimeoutException($"stack {stack} was not removed within 120 s");
    }

    public Task DisposeAsync()
    {
        Engine?.Dispose();
        if (_started) ProcessRunner.Run("bash", [Script, "down"], timeout: TimeSpan.FromMinutes(2));
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class SwarmCollection : ICollectionFixture<SwarmTestbed>
{
    public const string Name = "swarm test bed";
}
