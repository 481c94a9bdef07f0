using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;

namespace Reconciler.Daemon.Tests.Infrastructure;

/// <summary>How the test's repo is served to the daemon.</summary>
public enum Transport
{
    /// <summary>The bare repository's path on disk (<c>url: /tmp/…/origin.git</c>).</summary>
    Path,
    /// <summary>ssh:// to sshd on loopback, with an ssh key file.</summary>
    Ssh,
    /// <summary>http:// to git http-backend on loopback, with basic auth from a password file.</summary>
    Http,
}

internal sealed record ScenarioOptions
{
    public Transport Transport { get; init; } = Transport.Path;
    public string Interval { get; init; } = "1s";
    public string DriftInterval { get; init; } = "3s";
    public bool Prune { get; init; } = true;
    public bool SelfHeal { get; init; } = true;

    /// <summary><c>docker.cache</c>: the engine cache and its event-driven wakes (the daemon's default: on).</summary>
    public bool EngineCache { get; init; } = true;

    /// <summary>Writes a webhook secret file and names it in the repo's config.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary><c>age_key_file</c> of the repo: sops files in the stack are decrypted with it.</summary>
    public string? AgeKeyFile { get; init; }

    /// <summary>The repo's <c>verify:</c> block, each line indented by six spaces (e.g. <c>      mode: head</c>).</summary>
    public string? Verify { get; init; }

    /// <summary>git <c>-c</c> settings for the initial commit (e.g. to sign it).</summary>
    public IReadOnlyList<string>? InitialCommitConfig { get; init; }

    /// <summary>More top-level keys of the config (e.g. <c>notifications:</c>), unindented.</summary>
    public string? TopExtra { get; init; }

    /// <summary>More keys of the repo (e.g. a <c>forge:</c> block), each line indented by four spaces.</summary>
    public string? RepoExtra { get; init; }

    /// <summary>More keys of the stack's entry in the daemon config, each line indented by four spaces (e.g. <c>    policy:</c>).</summary>
    public string? StackExtra { get; init; }

    /// <summary>More stacks (config-suspended, so they never touch the engine) on the same repo: more loops to stop.</summary>
    public int ExtraSuspendedStacks { get; init; }
}

/// <summary>
/// One daemon test: a fresh compose project name, a git origin holding the stack in <c>app/</c>,
/// a config file and state dir of its own, a free port for the listener, and the daemons started
/// from it. Disposing stops every daemon, then removes the project's containers and networks.
/// </summary>
internal sealed class Scenario : IAsyncDisposable
{
    public const string StackPath = "app";
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

    private readonly DaemonFixture _fx;
    private readonly ITestOutputHelper _output;
    private readonly List<DaemonProcess> _daemons = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private Scenario(DaemonFixture fx, ITestOutputHelper output, ScenarioOptions options)
    {
        _fx = fx;
        _output = output;
        Options = options;
        Project = fx.NewProject();
        Origin = fx.NewOrigin();
        Directory = fx.NewDirectory(Project);
        StateDir = System.IO.Path.Combine(Directory, "state");
        ConfigPath = System.IO.Path.Combine(Directory, "config.yaml");
        Port = LoopbackPort.Free();
    }

    public ScenarioOptions Options { get; }
    public string Project { get; }
    public OriginRepository Origin { get; }
    public string Directory { get; }
    public string StateDir { get; }
    public string ConfigPath { get; }
    public int Port { get; private set; }
    public string RepoName => "infra";
    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");
    public string InitialCommit { get; private set; } = "";
    public IReadOnlyList<DaemonProcess> Daemons => _daemons;

    /// <summary>
    /// Two services: web runs <c>busybox:${APP_TAG}</c> (APP_TAG from app/.env), worker a fixed tag.
    /// <paramref name="webExtra"/> is more keys for web, each line indented by four spaces.
    /// </summary>
    public static string Compose(bool withWorker = true, string? webExtra = null)
    {
        var sb = new StringBuilder();
        sb.Append("services:\n");
        sb.Append("  web:\n");
        sb.Append($"    image: {DaemonFixture.ImageRepo}:${{APP_TAG}}\n");
        if (webExtra is not null)
        {
            sb.Append(webExtra.TrimEnd('\n')).Append('\n');
        }
        if (withWorker)
        {
            sb.Append("  worker:\n");
            sb.Append($"    image: {DaemonFixture.ImageRepo}:1.0\n");
        }
        return sb.ToString();
    }

    public static string Env(string tag) => $"APP_TAG={tag}\n";

    public static Dictionary<string, string?> Files(string compose, string tag) => new()
    {
        [$"{StackPath}/compose.yaml"] = compose,
        [$"{StackPath}/.env"] = Env(tag),
    };

    public static Scenario Create(DaemonFixture fx, ITestOutputHelper output, ScenarioOptions? options = null,
        IReadOnlyDictionary<string, string?>? initialFiles = null)
    {
        var s = new Scenario(fx, output, options ?? new ScenarioOptions());
        s.InitialCommit = s.Options.InitialCommitConfig is { } config
            ? s.Origin.CommitWith(config, "initial stack", initialFiles ?? Files(Compose(), "1.0"))
            : s.Origin.Commit("initial stack", initialFiles ?? Files(Compose(), "1.0"));
        s.WriteConfig();
        return s;
    }

    private void WriteConfig()
    {
        var url = Options.Transport switch
        {
            Transport.Path => Origin.BarePath,
            Transport.Ssh => _fx.Ssh.UrlFor(Origin.BarePath),
            Transport.Http => _fx.Http.UrlFor(System.IO.Path.GetFileName(Origin.BarePath)),
            _ => throw new ArgumentOutOfRangeException(nameof(Options)),
        };
        var repo = new StringBuilder();
        repo.Append($"""
              - name: {RepoName}
                url: {url}
                branch: main
                interval: {Options.Interval}

            """);
        if (Options.Transport == Transport.Ssh)
        {
            repo.Append($"""
                    auth:
                      ssh_key_file: {_fx.Ssh.ClientKey}

                """);
        }
        if (Options.Transport == Transport.Http)
        {
            var passwordFile = System.IO.Path.Combine(Directory, "git-password");
            File.WriteAllText(passwordFile, DaemonFixture.HttpPassword + "\n");
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite); // the daemon refuses a shared secret file
            repo.Append($"""
                    auth:
                      username: {DaemonFixture.HttpUser}
                      password_file: {passwordFile}

                """);
        }
        if (Options.WebhookSecret is { } secret)
        {
            var secretFile = System.IO.Path.Combine(Directory, "webhook-secret");
            File.WriteAllText(secretFile, secret + "\n");
            File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            repo.Append($"""
                    webhook_secret_file: {secretFile}

                """);
        }

        if (Options.AgeKeyFile is { } ageKey)
        {
            repo.Append($"    age_key_file: {ageKey}\n");
        }
        if (Options.Verify is { } verify)
        {
            repo.Append("    verify:\n").Append(verify.TrimEnd('\n')).Append('\n');
        }
        if (Options.RepoExtra is { } repoExtra)
        {
            repo.Append(repoExtra.TrimEnd('\n')).Append('\n');
        }

        var stacks = new StringBuilder();
        stacks.Append($"""
              - name: {Project}
                repo: {RepoName}
                path: {StackPath}
                prune: {(Options.Prune ? "true" : "false")}
                self_heal: {(Options.SelfHeal ? "true" : "false")}
                drift_interval: {Options.DriftInterval}

            """);
        if (Options.StackExtra is { } extra)
        {
            stacks.Append(extra.TrimEnd('\n')).Append('\n');
        }
        for (var i = 1; i <= Options.ExtraSuspendedStacks; i++)
        {
            stacks.Append($"""
                  - name: {Project}-idle{i}
                    repo: {RepoName}
                    path: {StackPath}
                    suspend: true
                    drift_interval: 1s

                """);
        }

        File.WriteAllText(ConfigPath, $"""
            state_dir: {StateDir}
            docker:
              cache: {(Options.EngineCache ? "true" : "false")}
            metrics:
              listen: 127.0.0.1:{Port}
            repos:
            {repo}
            stacks:
            {stacks}
            {Options.TopExtra}
            """);
    }

    public string Commit(string subject, IReadOnlyDictionary<string, string?> files) => Origin.Commit(subject, files);

    /// <summary>
    /// Starts a daemon on the config and returns once it listens (or exited). Other test assemblies
    /// pick free loopback ports too: when the listener's port was taken between our probe and the
    /// daemon's bind, the config gets another port and the daemon is started again.
    /// </summary>
    public DaemonProcess StartDaemon()
    {
        for (var attempt = 1; ; attempt++)
        {
            var d = new DaemonProcess(ConfigPath, _fx.EmptyDockerConfig, workingDirectory: _fx.Root);
            d.Start();
            _daemons.Add(d);
            if (!WaitListeningOrExit(d) && attempt < 3 && d.Output.Contains($"metrics.listen 127.0.0.1:{Port}: address already in use", StringComparison.Ordinal))
            {
                Log($"port {Port} was taken by someone else: trying another");
                Port = LoopbackPort.Free();
                WriteConfig();
                continue;
            }
            return d;
        }
    }

    /// <summary>True once something accepts connections on <see cref="Port"/>; false when the daemon exited first.</summary>
    private bool WaitListeningOrExit(DaemonProcess d)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < DefaultWait)
        {
            if (!d.Running)
            {
                d.WaitForOutput();
                return false;
            }
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        return false;
    }

    /// <summary>
    /// Starts the daemon and waits for <c>/readyz</c> to answer 200, the initial commit to run, and
    /// its pass to end (the rollout gate watches new containers for a few seconds after they start).
    /// </summary>
    public async Task<DaemonProcess> StartAndDeployAsync(params string[] services)
    {
        var d = StartDaemon();
        await WaitReadyAsync(d);
        await WaitForCommitAsync(InitialCommit, services.Length == 0 ? ["web", "worker"] : services);
        await WaitForPassAsync(InitialCommit, "Applied", "Noop");
        return d;
    }

    /// <summary>
    /// Waits until <c>/status</c> shows a finished pass of this stack at <paramref name="commit"/> with
    /// one of <paramref name="outcomes"/>: the latest pass, or the last that changed something or
    /// failed (drift passes woken by a deploy's own events follow it within a second).
    /// </summary>
    public Task WaitForPassAsync(string commit, params string[] outcomes)
    {
        return EventuallyAsync($"/status: a pass at {commit[..12]} ending {string.Join(" or ", outcomes)}", async () =>
            await StackStatusAsync() is { } j && (Ends(j) || j.TryGetProperty("last_change", out var change) && Ends(change)), DefaultWait);

        bool Ends(JsonElement pass) => pass.ValueKind == JsonValueKind.Object
            && pass.GetProperty("commit").GetString() == commit && outcomes.Contains(pass.GetProperty("outcome").GetString());
    }

    /// <summary>
    /// Waits until <c>/status</c> has shown <paramref name="count"/> more finished passes of this stack
    /// than when called (at least <paramref name="count"/> − 1 of them started after the call). For
    /// "nothing happens" checks: a window counted in passes, not seconds, so a slow machine makes it
    /// longer instead of making the check vacuous, and a fast one does not wait for nothing.
    /// </summary>
    public async Task WaitForMorePassesAsync(int count, TimeSpan? timeout = null)
    {
        static string? At(JsonElement? stack) => stack?.GetProperty("at").GetString();
        var before = At(await StackStatusAsync());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await EventuallyAsync($"{count} more passes of {Project} in /status", async () =>
        {
            if (At(await StackStatusAsync()) is { } at && at != before) seen.Add(at);
            return seen.Count >= count;
        }, timeout ?? DefaultWait, poll: TimeSpan.FromMilliseconds(100));
    }

    /// <summary><c>reconciler history STACK</c> once no deployment is in progress any more.</summary>
    public async Task<string> SettledHistoryAsync()
    {
        DaemonProcess.CliResult history = null!;
        await EventuallyAsync("reconciler history without a deployment in progress", async () =>
        {
            history = await CliAsync("history", Project);
            return history.ExitCode == 0 && history.Stdout.Length > 0 && !history.Stdout.Contains("in progress", StringComparison.Ordinal);
        }, DefaultWait);
        return history.Stdout;
    }

    public Task<DaemonProcess.CliResult> CliAsync(params string[] args) =>
        new DaemonProcess(ConfigPath, _fx.EmptyDockerConfig, workingDirectory: _fx.Root).CliAsync(args);

    public async Task<HttpResponseMessage?> GetAsync(string path)
    {
        try
        {
            return await _http.GetAsync(new Uri(BaseUri, path));
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<HttpResponseMessage> PostAsync(string path, HttpContent content) =>
        await _http.PostAsync(new Uri(BaseUri, path), content);

    public async Task WaitReadyAsync(DaemonProcess d, TimeSpan? timeout = null) =>
        await EventuallyAsync("/readyz answers 200", async () =>
        {
            if (!d.Running)
            {
                throw new Xunit.Sdk.XunitException($"the daemon exited with {d.ExitCode} before it was ready:\n{d.Output}");
            }
            using var r = await GetAsync("readyz");
            return r?.StatusCode == HttpStatusCode.OK;
        }, timeout ?? DefaultWait);

    /// <summary>This stack's entry in <c>GET /status</c>, or null while it has none (or the listener is down).</summary>
    public async Task<JsonElement?> StackStatusAsync()
    {
        using var r = await GetAsync("status");
        if (r?.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        foreach (var s in doc.RootElement.GetProperty("stacks").EnumerateArray())
        {
            if (s.GetProperty("name").GetString() == Project)
            {
                return s.Clone();
            }
        }
        return null;
    }

    public Task<IList<ContainerListResponse>> ContainersAsync() => _fx.ContainersAsync(Project);

    public async Task<List<ContainerListResponse>> ServiceContainersAsync(string service) =>
        [.. (await ContainersAsync()).Where(c => c.Labels.TryGetValue(DaemonFixture.ServiceLabel, out var s) && s == service)];

    /// <summary>Container id per service (exactly one container each, running), for "nothing was recreated" checks.</summary>
    public async Task<Dictionary<string, string>> RunningIdsAsync()
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in await ContainersAsync())
        {
            var service = c.Labels[DaemonFixture.ServiceLabel];
            Assert.True(c.State == "running", $"{c.Names.FirstOrDefault()} is {c.State}, not running");
            Assert.True(ids.TryAdd(service, c.ID), $"more than one container for service {service}");
        }
        return ids;
    }

    public static bool IsRunning(ContainerListResponse c) => c.State == "running";

    public static string? Label(ContainerListResponse c, string key) => c.Labels.TryGetValue(key, out var v) ? v : null;

    public static string Image(string tag) => $"{DaemonFixture.ImageRepo}:{tag}";

    /// <summary>Waits until every service in <paramref name="services"/> has exactly one container, running, labelled with <paramref name="commit"/>.</summary>
    public Task WaitForCommitAsync(string commit, IReadOnlyList<string> services, TimeSpan? timeout = null) =>
        EventuallyAsync($"services {string.Join(", ", services)} running with {DaemonFixture.CommitLabel}={commit}", async () =>
        {
            foreach (var service in services)
            {
                var cs = await ServiceContainersAsync(service);
                if (cs.Count != 1 || !IsRunning(cs[0]) || Label(cs[0], DaemonFixture.CommitLabel) != commit)
                {
                    return false;
                }
            }
            return true;
        }, timeout ?? DefaultWait);

    /// <summary>Waits until <paramref name="service"/> has one running container with image <paramref name="image"/>; returns the time waited.</summary>
    public async Task<TimeSpan> WaitForImageAsync(string service, string image, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        await EventuallyAsync($"{service} running {image}", async () =>
        {
            var cs = await ServiceContainersAsync(service);
            return cs.Count == 1 && IsRunning(cs[0]) && cs[0].Image == image;
        }, timeout ?? DefaultWait, poll: TimeSpan.FromMilliseconds(50));
        return watch.Elapsed;
    }

    /// <summary>Polls <paramref name="condition"/> until true; on timeout fails with what was awaited and the daemon's output.</summary>
    public async Task EventuallyAsync(string what, Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? poll = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (watch.Elapsed > timeout)
            {
                throw new Xunit.Sdk.XunitException($"timed out after {timeout.TotalSeconds:0}s waiting for: {what}\n{await DescribeAsync()}");
            }
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>What the engine, /status and the daemons say: for failure messages.</summary>
    public async Task<string> DescribeAsync()
    {
        var sb = new StringBuilder();
        try
        {
            foreach (var c in await ContainersAsync())
            {
                sb.AppendLine($"container {c.Names.FirstOrDefault()} {c.ID[..12]} {c.Image} {c.State} commit={Label(c, DaemonFixture.CommitLabel)}");
            }
        }
        catch (Exception e)
        {
            sb.AppendLine($"(engine: {e.Message})");
        }
        using (var r = await GetAsync("status"))
        {
            sb.AppendLine($"/status: {(r is null ? "no answer" : await r.Content.ReadAsStringAsync())}");
        }
        foreach (var d in _daemons)
        {
            sb.AppendLine($"--- daemon pid {d.Pid}{(d.Running ? "" : $" exited {d.ExitCode}")}:");
            sb.Append(d.Output);
        }
        return sb.ToString();
    }

    public void Log(string line) => _output.WriteLine(line);

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _daemons)
        {
            d.Dispose();
        }
        foreach (var d in _daemons)
        {
            var lines = d.Output.Split('\n');
            _output.WriteLine($"--- daemon pid {d.Pid} (last {Math.Min(lines.Length, 80)} of {lines.Length} lines):");
            _output.WriteLine(string.Join('\n', lines.TakeLast(80)));
        }
        await _fx.CleanUpProjectAsync(Project);
        _http.Dispose();
    }
}
