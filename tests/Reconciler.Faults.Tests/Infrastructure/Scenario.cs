using System.Diagnostics;
using System.Text.Json;
using Xunit.Sdk;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>
/// One test's world: a compose project named <c>ftest&lt;6 hex&gt;</c>, a temp directory with a bare
/// git repo, a working clone and the daemon's state_dir, an empty Docker client config, and the
/// daemon process. Everything the test makes on the engine carries the project label (the daemon's
/// containers, networks and volumes) or <see cref="OwnerLabel"/> (the test's own squatters and
/// probes), or its name starts with the project; disposal removes exactly that, the test's own
/// volumes included, and nothing else on the engine.
/// </summary>
public sealed class Scenario : IAsyncDisposable
{
    public const string OwnerLabel = "dev.reconciler.ftest.owner";
    private readonly List<Func<Task>> _undo = [];
    private readonly List<Func<Task>> _afterCleanup = [];
    private readonly List<DaemonProcess> _daemons = [];
    private readonly ITestOutputHelper? _output;

    private Scenario(string project, string directory, DockerCli docker, GitRemote git, ITestOutputHelper? output)
    {
        Project = project;
        Directory = directory;
        Docker = docker;
        Git = git;
        _output = output;
        Log = new OutputLog(Path.Combine(directory, "daemon.log"));
    }

    public string Project { get; }
    public string Directory { get; }
    public DockerCli Docker { get; }
    public GitRemote Git { get; }
    public OutputLog Log { get; }
    public string StateDir => Path.Combine(Directory, "state");
    public DaemonProcess Daemon => _daemons.Count > 0 ? _daemons[^1] : throw new InvalidOperationException("no daemon yet");

    /// <summary>
    /// Checks the engine (failing, never skipping, when it is unreachable) and the test images, and
    /// makes the project's directory, repo and names.
    /// </summary>
    public static async Task<Scenario> CreateAsync(ITestOutputHelper? output = null, string? dockerHost = null)
    {
        var project = "ftest" + Guid.NewGuid().ToString("N")[..6];
        var directory = System.IO.Directory.CreateTempSubdirectory(project + "-").FullName;
        var dockerConfig = Path.Combine(directory, "docker-config");
        System.IO.Directory.CreateDirectory(dockerConfig);
        var docker = new DockerCli(dockerHost, dockerConfig);
        if (!await docker.PingAsync())
        {
            var info = await docker.RunAsync("info");
            throw new InvalidOperationException(
                $"The Docker engine is unreachable ({dockerHost ?? Environment.GetEnvironmentVariable("DOCKER_HOST") ?? "default socket"}): {info.Stderr.Trim()}. " +
                "Start it with `bash tests/setup/engine.sh`; these tests fail rather than skip without an engine.");
        }
        foreach (var image in new[] { DockerCli.Image10, DockerCli.Image11, DockerCli.Image20 })
        {
            if (dockerHost is not null) await docker.EnsureImageAsync(image);
            else if (!(await docker.RunAsync("image", "inspect", image)).Ok)
                throw new InvalidOperationException($"Test image {image} is missing: run `bash tests/setup/engine.sh`.");
        }
        var git = await GitRemote.CreateAsync(directory);
        output?.WriteLine($"project {project} in {directory}");
        return new Scenario(project, directory, docker, git, output);
    }

    /// <summary>The stack's named volume as the engine names it.</summary>
    public string Volume(string name = "data") => $"{Project}_{name}";

    public string ContainerName(string service, int number = 1) => $"{Project}-{service}-{number}";

    /// <summary>Commits app/compose.yaml (the stack's folder) and pushes.</summary>
    public Task<string> CommitComposeAsync(string message, string composeYaml) =>
        Git.CommitAsync(message, new Dictionary<string, string?> { ["app/compose.yaml"] = composeYaml });

    public DaemonProcess NewDaemon(Func<DaemonSettings, DaemonSettings>? configure = null)
    {
        var settings = new DaemonSettings
        {
            StateDir = StateDir,
            RepoPath = Git.BarePath,
            Stack = Project,
            Port = LoopbackPort.Free(),
            DockerHost = Docker.Host,
        };
        settings = configure?.Invoke(settings) ?? settings;
        var configPath = Path.Combine(Directory, $"config{_daemons.Count}.yaml");
        File.WriteAllText(configPath, settings.Yaml());
        // The engine is the config's docker.host (or the default socket), never the caller's DOCKER_HOST.
        var daemon = new DaemonProcess(configPath, Docker.DockerConfig, log: Log.Line,
            environment: new Dictionary<string, string?> { ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null })
        {
            Stack = settings.Stack,
            Port = settings.Port,
        };
        _daemons.Add(daemon);
        return daemon;
    }

    public DaemonProcess StartDaemon(Func<DaemonSettings, DaemonSettings>? configure = null)
    {
        var d = NewDaemon(configure);
        d.Start();
        return d;
    }

    /// <summary>The usual start of a fault test: one service committed, the daemon started, that commit deployed and its rollout settled.</summary>
    public async Task<(string Commit, DaemonProcess Daemon)> DeployFirstAsync(string message, Svc service)
    {
        var commit = await CommitComposeAsync(message, Compose.File(service));
        var daemon = StartDaemon();
        await WaitConvergedAsync(new Dictionary<string, string> { [service.Name] = service.Image }, commit);
        await WaitSettledAsync(commit);
        return (commit, daemon);
    }

    /// <summary>A marker in the daemon log, so a failure's log shows when the test did what.</summary>
    public void Note(string what) => Log.Line($"=== test {DateTime.UtcNow:HH:mm:ss.fff}: {what}");

    /// <summary>
    /// The daemon finished its pass for <paramref name="commit"/> (deployed, health gate passed,
    /// recorded, in sync): only then is a fault injected, so it is not mistaken for the commit's own.
    /// </summary>
    public Task WaitSettledAsync(string commit, TimeSpan? timeout = null) =>
        WaitAsync($"status in sync at {commit[..12]}", async () =>
        {
            var st = await Daemon.StatusAsync();
            return st.Contains($"deployed:  {commit[..12]}", StringComparison.Ordinal) && st.Contains("status:    in sync", StringComparison.Ordinal);
        }, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Something to undo at disposal even when the test fails (last registered, first run).</summary>
    public void Defer(Func<Task> undo) => _undo.Add(undo);

    /// <summary>Runs the deferred undo actions now (last first) instead of at disposal.</summary>
    public async Task UndoAsync()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            var undo = _undo[i];
            _undo.RemoveAt(i);
            await undo();
        }
    }

    /// <summary>Something to do after the engine cleanup (e.g. untag an image the removed containers used).</summary>
    public void AfterCleanup(Func<Task> action) => _afterCleanup.Add(action);

    // ------------------------------------------------------------------ waiting --

    public async Task WaitAsync(string what, Func<Task<bool>> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < timeout)
        {
            try
            {
                if (await condition()) return;
                last = null;
            }
            catch (Exception e) when (e is not XunitException)
            {
                last = e;
            }
            await Task.Delay(250);
        }
        throw new XunitException($"timed out after {timeout.TotalSeconds:0}s waiting for: {what}" +
            (last is null ? "" : $"\nlast error: {last.Message}") + "\n" + await DiagnosticsAsync());
    }

    /// <summary>
    /// Waits until the daemon's <c>/status</c> has shown <paramref name="count"/> more finished passes of
    /// the stack than when called (at least <paramref name="count"/> − 1 of them started after the call;
    /// a retry is a pass like a drift tick's). For "nothing happens" checks: a window counted in passes,
    /// not seconds, so a loaded machine makes it longer instead of making the check vacuous.
    /// </summary>
    public async Task WaitForMorePassesAsync(int count, TimeSpan? timeout = null)
    {
        var before = await LastPassAtAsync();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await WaitAsync($"{count} more passes of {Daemon.Stack} in /status", async () =>
        {
            if (await LastPassAtAsync() is { } at && at != before) seen.Add(at);
            return seen.Count >= count;
        }, timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>When the stack's last pass ended, as <c>/status</c> says; null before its first (or while the daemon is down).</summary>
    private async Task<string?> LastPassAtAsync()
    {
        var (code, body) = await Daemon.GetAsync("/status");
        if (code != 200) return null;
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("stacks").EnumerateArray()
            .Where(j => j.GetProperty("name").GetString() == Daemon.Stack)
            .Select(j => j.GetProperty("at").GetString())
            .FirstOrDefault();
    }

    /// <summary>What the engine, the state and the daemon's log say, for failure messages.</summary>
    public async Task<string> DiagnosticsAsync()
    {
        var lines = new List<string> { "--- containers of the project:" };
        try
        {
            lines.AddRange((await Docker.ProjectAsync(Project)).Select(c => "  " + c));
        }
        catch (Exception e)
        {
            lines.Add("  (docker failed: " + e.Message + ")");
        }
        if (_daemons.Count > 0)
        {
            try
            {
                lines.Add("--- reconciler status:");
                lines.Add(await Daemon.StatusAsync());
                lines.Add($"--- daemon {(Daemon.Running ? "running, pid " + Daemon.Pid : "not running, exit " + Daemon.ExitCode)}; GET /status:");
                lines.Add((await Daemon.GetAsync("/status")).Body);
                lines.Add($"--- now {DateTime.UtcNow:HH:mm:ss.fff}");
            }
            catch (Exception e)
            {
                lines.Add("  (status failed: " + e.Message + ")");
            }
        }
        lines.Add("--- daemon log (tail):");
        lines.Add(Log.Tail(80));
        return string.Join('\n', lines);
    }

    public async Task<XunitException> FailureAsync(string message) => new(message + "\n" + await DiagnosticsAsync());

    public async Task AssertAsync(bool condition, string message)
    {
        if (!condition) throw await FailureAsync(message);
    }

    // --------------------------------------------------------------- observations --

    public Task<IReadOnlyList<ContainerInfo>> ContainersAsync() => Docker.ProjectAsync(Project);

    /// <summary>
    /// Converged to <paramref name="expected"/> (service → image reference): exactly one container
    /// per service, running, properly named, on that image's id, from <paramref name="commit"/> when
    /// given; no other containers of the project (no duplicates, no temporary leftovers).
    /// </summary>
    public async Task<bool> IsConvergedAsync(IReadOnlyDictionary<string, string> expected, string? commit = null)
    {
        var all = await ContainersAsync();
        if (all.Count != expected.Count) return false;
        foreach (var (service, image) in expected)
        {
            var c = all.SingleOrDefault(x => x.Service == service);
            if (c is null || !c.Running || c.Name != ContainerName(service) || c.IsTemporary) return false;
            if (c.ImageId != await Docker.ImageIdAsync(image)) return false;
            if (commit is not null && c.Commit != commit) return false;
        }
        return true;
    }

    public Task WaitConvergedAsync(IReadOnlyDictionary<string, string> expected, string? commit = null, TimeSpan? timeout = null) =>
        WaitAsync($"converged to {string.Join(", ", expected.Select(kv => kv.Key + "=" + kv.Value))}{(commit is null ? "" : " at " + commit[..12])}",
            () => IsConvergedAsync(expected, commit), timeout ?? TimeSpan.FromSeconds(90));

    public async Task<ContainerInfo> ServiceContainerAsync(string service)
    {
        var c = (await ContainersAsync()).Where(c => c.Service == service).ToList();
        if (c.Count != 1) throw await FailureAsync($"expected one container of service {service}, found {c.Count}");
        return c[0];
    }

    // ------------------------------------------------------------------- volumes --

    /// <summary>Writes a random token into the named volume through the service's own container; returns it.</summary>
    public async Task<string> WriteTokenAsync(string service, string volume = "data")
    {
        var token = Guid.NewGuid().ToString("N");
        await Docker.OkAsync("exec", ContainerName(service), "sh", "-c", $"echo {token} > /data/token && sync");
        Assert.Equal(token, await ReadTokenAsync(volume));
        return token;
    }

    /// <summary>Reads the token back with a throwaway container of the test's own (not through the daemon's containers).</summary>
    public async Task<string> ReadTokenAsync(string volume = "data")
    {
        var r = await Docker.RunAsync("run", "--rm", "--network", "none", "--label", $"{OwnerLabel}={Project}",
            "-v", $"{Volume(volume)}:/data:ro", DockerCli.Image10, "cat", "/data/token");
        if (!r.Ok) throw await FailureAsync($"reading /data/token from volume {Volume(volume)} failed: {r}");
        return r.Stdout.Trim();
    }

    public async Task AssertTokenAsync(string token, string volume = "data")
    {
        var vols = await Docker.OkAsync("volume", "ls", "-q", "--filter", $"name={Volume(volume)}");
        await AssertAsync(vols.Split('\n').Contains(Volume(volume)), $"volume {Volume(volume)} is gone");
        Assert.Equal(token, await ReadTokenAsync(volume));
    }

    // ------------------------------------------------------------------- cleanup --

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _daemons)
        {
            try { await d.DisposeAsync(); } catch (Exception e) { _output?.WriteLine("stopping daemon: " + e.Message); }
        }
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            try { await _undo[i](); } catch (Exception e) { _output?.WriteLine("undo: " + e.Message); }
        }
        try
        {
            await CleanEngineAsync();
        }
        catch (Exception e)
        {
            _output?.WriteLine("cleanup: " + e.Message);
        }
        foreach (var action in _afterCleanup)
        {
            try { await action(); } catch (Exception e) { _output?.WriteLine("after cleanup: " + e.Message); }
        }
        if (_output is not null)
        {
            try { _output.WriteLine(Log.Tail(200)); } catch (InvalidOperationException) { }
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes the project's containers, networks and volumes and the test's own containers, found by label or name prefix.</summary>
    public async Task CleanEngineAsync()
    {
        if (!await Docker.PingAsync()) return;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var filter in new[] { $"label={DockerCli.ProjectLabel}={Project}", $"label={OwnerLabel}={Project}", $"name=^/?{Project}" })
        {
            foreach (var c in await Docker.ListAsync(filter))
            {
                if (c.Project == Project || c.Label(OwnerLabel) == Project || c.Name.StartsWith(Project, StringComparison.Ordinal) || c.IsTemporary && c.Name[13..].StartsWith(Project, StringComparison.Ordinal))
                    ids.Add(c.Id);
            }
        }
        if (ids.Count > 0) await Docker.RunAsync(["rm", "-f", .. ids]);
        foreach (var kind in new[] { "network", "volume" })
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var filter in new[] { $"label={DockerCli.ProjectLabel}={Project}", $"name={Project}" })
            {
                var listed = await Docker.RunAsync(kind, "ls", "-q", "--filter", filter);
                foreach (var n in listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) names.Add(n);
            }
            foreach (var n in names)
            {
                // Network ls -q prints ids; the name filter is a substring match, so check the name.
                var name = kind == "network" ? (await Docker.RunAsync("network", "inspect", "-f", "{{.Name}}", n)).Stdout.Trim() : n;
                if (name.StartsWith(Project, StringComparison.Ordinal)) await Docker.RunAsync(kind, "rm", n);
            }
        }
    }
}
