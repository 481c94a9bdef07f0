using System.Globalization;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>
/// A Docker engine a test may stop and start again. By default a private <c>dockerd</c> of the
/// test's own (its own socket, data root, exec root, containerd, default bridge, no iptables):
/// restarting it disturbs nothing else on the host. Two dockerd options would delete the host's
/// <c>docker0</c> under the shared engine and every test running on it, so neither is used:
/// <c>--bridge none</c> (dockerd then removes the default bridge interface, by name) and
/// <c>--default-address-pool</c> (on a restart, clearing its stale default network, dockerd then
/// removes the interface named docker0 too). Instead its default bridge is one the test creates,
/// and the stack's network gets a subnet of its own from the compose file (<see cref="NetworksYaml"/>). With
/// <c>FTEST_ENGINE_RESTART=shared</c> it is the host's shared engine itself, stopped with
/// <c>kill -TERM $(pidof dockerd)</c> and started again exactly as tests/setup/engine.sh starts it
/// (every other container on the host is stopped meanwhile and only those with a restart policy
/// come back, so only do that on a machine of your own).
/// </summary>
public sealed class RestartableEngine : IAsyncDisposable
{
    private const string SharedLog = "/tmp/reconciler-dockerd.log";
    private readonly string? _root;
    private readonly string[] _args;
    private readonly string? _bridge;

    private RestartableEngine(string? root, string[] args, string? host, string? bridge = null, string? subnet = null)
    {
        _root = root;
        _args = args;
        Host = host;
        _bridge = bridge;
        Subnet = subnet;
    }

    /// <summary>The subnet for the stack's default network on a private engine (null: the shared engine chooses).</summary>
    public string? Subnet { get; }

    /// <summary>A top-level <c>networks:</c> block giving the default network <see cref="Subnet"/>, to append to a compose file.</summary>
    public string NetworksYaml => Subnet is null ? "" : $"networks:\n  default:\n    ipam:\n      config:\n        - subnet: {Subnet}\n";

    /// <summary>The engine's address for the daemon's config and the CLI (null: the default socket).</summary>
    public string? Host { get; }
    public bool Shared => _root is null;
    public string Log => _root is null ? SharedLog : Path.Combine(_root, "dockerd.log");

    public static bool SharedRequested => Environment.GetEnvironmentVariable("FTEST_ENGINE_RESTART") == "shared";

    public static async Task<RestartableEngine> StartAsync(string name)
    {
        if (SharedRequested)
        {
            var shared = new RestartableEngine(null, [], null);
            await shared.WaitUpAsync(TimeSpan.FromSeconds(10));
            return shared;
        }
        // Short: the engine's and containerd's unix sockets live under it (108-byte limit).
        var root = Path.Combine("/tmp", "fte-" + name);
        Directory.CreateDirectory(root);
        // Subnets of their own per engine, so two test runs on one host don't route into each other:
        // the bridge in 10.232.N.0/24, the stack's network in 10.231.N.0/24.
        var n = Random.Shared.Next(0, 256);
        var bridge = "fte" + name; // at most 15 characters for an interface name
        await Sh.OkAsync("bash", ["-c",
            $"ip link add {bridge} type bridge && ip addr add 10.232.{n}.1/24 dev {bridge} && ip link set {bridge} up"]);
        string[] args =
        [
            "-H", $"unix://{root}/docker.sock", "--data-root", $"{root}/data", "--exec-root", $"{root}/exec",
            "--pidfile", $"{root}/docker.pid", "--bridge", bridge, "--iptables=false", "--ip-masq=false",
        ];
        var engine = new RestartableEngine(root, args, $"unix://{root}/docker.sock", bridge, FormattableString.Invariant($"10.231.{n}.0/24"));
        try
        {
            await engine.SpawnAsync();
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
        return engine;
    }

    /// <summary>Whether the host's default bridge, which the shared engine's containers hang on, is there.</summary>
    public static async Task<bool> HostBridgeExistsAsync() => (await Sh.RunAsync("ip", "link", "show", "docker0")).Ok;

    /// <summary>The dockerd process id now (the one with exactly the command line this engine runs with).</summary>
    public async Task<int> PidAsync()
    {
        if (_root is not null)
        {
            return int.Parse((await File.ReadAllTextAsync(Path.Combine(_root, "docker.pid"))).Trim(), CultureInfo.InvariantCulture);
        }
        var pids = (await Sh.OkAsync("pidof", ["dockerd"])).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Only the engine tests/setup/engine.sh started: a plain "dockerd" command line.
        var shared = pids.Select(p => int.Parse(p, CultureInfo.InvariantCulture))
            .Where(p => File.ReadAllText($"/proc/{p}/cmdline").TrimEnd('\0') == "dockerd").ToList();
        if (shared.Count != 1) throw new InvalidOperationException($"expected one plain dockerd, found {shared.Count} (pids {string.Join(',', pids)})");
        return shared[0];
    }

    /// <summary>SIGTERM to dockerd, then wait until the process is gone (it stops its containers first).</summary>
    public async Task StopAsync()
    {
        var pid = await PidAsync();
        Sh.Signal(pid, Sh.SigTerm);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline) await Task.Delay(100);
        if (Directory.Exists($"/proc/{pid}")) throw new InvalidOperationException($"dockerd {pid} did not stop within 60 s");
    }

    /// <summary>Starts dockerd as tests/setup/engine.sh does: <c>setsid nohup dockerd … &gt;LOG 2&gt;&amp;1 &lt;/dev/null &amp;</c>.</summary>
    public async Task SpawnAsync()
    {
        var command = "setsid nohup dockerd " + string.Join(' ', _args.Select(a => "'" + a + "'")) + $" >'{Log}' 2>&1 </dev/null &";
        await Sh.OkAsync("bash", ["-c", command]);
        await WaitUpAsync(TimeSpan.FromSeconds(60));
    }

    public async Task<bool> UpAsync() =>
        (await Sh.RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], environment: new Dictionary<string, string?> { ["DOCKER_HOST"] = Host },
            timeout: TimeSpan.FromSeconds(20))).Ok;

    private async Task WaitUpAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await UpAsync()) return;
            await Task.Delay(500);
        }
        var tail = File.Exists(Log) ? string.Join('\n', (await File.ReadAllLinesAsync(Log)).TakeLast(30)) : "(no log)";
        throw new InvalidOperationException($"dockerd did not answer within {timeout.TotalSeconds:0} s; {Log}:\n{tail}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_root is null)
        {
            // The shared engine must be up when we leave, whatever happened.
            if (!await UpAsync()) await SpawnAsync();
            return;
        }
        try
        {
            if (await UpAsync()) await StopAsync();
        }
        catch (Exception)
        {
            // best effort: still try to remove the directory
        }
        await Sh.RunAsync("bash", "-c", $"grep -o ' {_root}/[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l");
        if (_bridge is not null) await Sh.RunAsync("ip", "link", "delete", _bridge);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
