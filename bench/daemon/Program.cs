// The daemon end to end, on this machine's engine and the local test registry:
//
//   1. git push → the changed container running, with `reconciler run` polling every 1 s,
//      then with polling at 1 h and a signed GitHub webhook after each push, side by side with
//      `docker compose up -d` doing the same recreate directly (N runs each, median);
//   2. the daemon's resident memory (VmRSS, /proc/PID/status) after 100 and after 1,000
//      reconcile cycles of a 20-service stack (drift_interval 100ms: every cycle is a full
//      no-op pass: read state, load, read the engine, plan, record), with cycles/s and CPU per cycle.
//
//   daemon-bench --reconciler PATH [--runs 5] [--services 20] [--cycles 1000] [--checkpoint 100]
//                [--drift 100ms] [--no-compose] [--keep] [--markdown FILE] [--only latency|memory]
//                [--daemon-env NAME=VALUE]…  (runtime knobs for the daemon only, e.g. DOTNET_GCgen0size=0x400000)
//
// Everything it makes is named rbench-d-<id> (daemon) and rbench-dc-<id> (compose) and removed
// at the end by the com.docker.compose.project label, with the work directory (unless --keep).

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Docker;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

string? reconciler = null, markdown = null;
int runs = 5, services = 20, cycles = 1000, checkpoint = 100;
var drift = "100ms";
bool noCompose = false, keep = false;
string only = "all";
var daemonEnv = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--reconciler": reconciler = Path.GetFullPath(args[++i]); break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--services": services = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--cycles": cycles = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--checkpoint": checkpoint = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--drift": drift = args[++i]; break;
        case "--no-compose": noCompose = true; break;
        case "--keep": keep = true; break;
        case "--markdown": markdown = Path.GetFullPath(args[++i]); break;
        case "--only": only = args[++i]; break;
        case "--daemon-env":
            var kv = args[++i].Split('=', 2);
            daemonEnv[kv[0]] = kv.Length > 1 ? kv[1] : "";
            break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
if (reconciler is null || !File.Exists(reconciler))
{
    Console.Error.WriteLine("usage: daemon-bench --reconciler PATH-TO-reconciler-OR-reconciler.dll [--runs 5] [--services 20] [--cycles 1000] [--checkpoint 100] [--drift 100ms] [--no-compose] [--keep] [--markdown FILE]");
    return 2;
}
if (only is not ("all" or "latency" or "memory"))
{
    Console.Error.WriteLine("--only takes latency or memory");
    return 2;
}
if (services < 3 || checkpoint >= cycles)
{
    Console.Error.WriteLine("need --services >= 3 and --checkpoint < --cycles");
    return 2;
}

const string ImageRepo = "127.0.0.1:5000/reconciler-test/busybox";
const string ProjectLabel = "com.docker.compose.project";
const string ServiceLabel = "com.docker.compose.service";
const string Secret = "bench-webhook-secret";
var id = Guid.NewGuid().ToString("N")[..6];
var project = $"rbench-d-{id}";
var composeProject = $"rbench-dc-{id}";
var work = Directory.CreateTempSubdirectory("rbench-daemon-").FullName;
var changed = $"worker-{services - 2 - (services - 2) / 3}"; // the last worker: nothing depends on it

using var docker = DockerEndpoint.Resolve().CreateClient();
var hasCompose = !noCompose && Run("docker", ["compose", "version"], null).Code == 0;
Daemon? daemon = null;
var results = new Dictionary<string, List<double>>();
var memory = new List<(int Cycle, double Seconds, long RssKiB, double CpuSeconds, string Breakdown)>();
int nonNoop = 0;
long hwm = 0;

void Log(string s) => Console.Error.WriteLine($"[daemon-bench {DateTime.Now:HH:mm:ss}] {s}");

try
{
    // ------------------------------------------------------------------ repo and stack --
    var origin = Path.Combine(work, "origin.git");
    var clone = Path.Combine(work, "clone");
    Git(null, "init", "--quiet", "--bare", "--initial-branch", "main", origin);
    Git(null, "init", "--quiet", "--initial-branch", "main", clone);
    Git(clone, "remote", "add", "origin", origin);
    Directory.CreateDirectory(Path.Combine(clone, "app", "conf"));
    File.WriteAllText(Path.Combine(clone, "app", "compose.yaml"), Generate(services, changed));
    File.WriteAllText(Path.Combine(clone, "app", ".env"), "APP_TAG=1.0\n");
    File.WriteAllText(Path.Combine(clone, "app", "conf", "app.conf"), "listen = 8080\n");
    var initial = Commit(clone, "bench stack", push: true);

    var stateDir = Path.Combine(work, "state");
    var port = FreePort();
    var config = Path.Combine(work, "config.yaml");
    var secretFile = Path.Combine(work, "webhook-secret");
    File.WriteAllText(secretFile, Secret + "\n");
    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite); // the daemon refuses a shared secret file
    void WriteConfig(string interval, string driftInterval) => File.WriteAllText(config, $"""
        state_dir: {stateDir}
        metrics:
          listen: 127.0.0.1:{port}
        repos:
          - name: bench
            url: {origin}
            branch: main
            interval: {interval}
            webhook_secret_file: {secretFile}
        stacks:
          - name: {project}
            repo: bench
            path: app
            drift_interval: {driftInterval}
        """);
    using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };

    var tag = "1.0";
    if (only != "memory")
    {
        // ------------------------------------------------------------------ 1a. poll 1 s --
        WriteConfig("1s", "1m");
        daemon = Daemon.Start(reconciler, config, Path.Combine(work, "daemon-poll.log"), daemonEnv);
        var started = Stopwatch.StartNew();
        await WaitAsync("daemon ready", async () => await Ready(http), TimeSpan.FromSeconds(60));
        await WaitForPassAsync(http, project, initial, TimeSpan.FromSeconds(300));
        Log($"first deploy of {services} services: {started.Elapsed.TotalSeconds:0.0} s");
        results["poll"] = [];
        for (var i = 0; i < runs; i++)
        {
            tag = tag == "1.0" ? "1.1" : "1.0";
            File.WriteAllText(Path.Combine(clone, "app", ".env"), $"APP_TAG={tag}\n");
            var sha = Commit(clone, $"{changed} {tag}", push: false);
            var watch = Stopwatch.StartNew();
            Git(clone, "push", "--quiet", "origin", "HEAD:refs/heads/main");
            await WaitForImageAsync(project, changed, $"{ImageRepo}:{tag}");
            results["poll"].Add(watch.Elapsed.TotalSeconds);
            Log($"poll run {i + 1}: {watch.Elapsed.TotalSeconds:0.00} s");
            await WaitForPassAsync(http, project, sha, TimeSpan.FromSeconds(120));
        }
        daemon.Stop();

        // ------------------------------------------------------------------ 1b. webhook --
        WriteConfig("1h", "1m");
        daemon = Daemon.Start(reconciler, config, Path.Combine(work, "daemon-webhook.log"), daemonEnv);
        await WaitAsync("daemon ready", async () => await Ready(http), TimeSpan.FromSeconds(60));
        await WaitForPassAsync(http, project, Git(clone, "rev-parse", "HEAD").Trim(), TimeSpan.FromSeconds(120));
        results["webhook"] = [];
        for (var i = 0; i < runs; i++)
        {
            tag = tag == "1.0" ? "1.1" : "1.0";
            File.WriteAllText(Path.Combine(clone, "app", ".env"), $"APP_TAG={tag}\n");
            var sha = Commit(clone, $"{changed} {tag}", push: false);
            var body = $"{{\"ref\":\"refs/heads/main\",\"after\":\"{sha}\"}}";
            var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));
            var watch = Stopwatch.StartNew();
            Git(clone, "push", "--quiet", "origin", "HEAD:refs/heads/main");
            using (var request = new HttpRequestMessage(HttpMethod.Post, "hooks/git/bench") { Content = new StringContent(body, Encoding.UTF8, "application/json") })
            {
                request.Headers.Add("X-GitHub-Event", "push");
                request.Headers.Add("X-Hub-Signature-256", signature);
                using var response = await http.SendAsync(request);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"webhook answered {(int)response.StatusCode}");
            }
            await WaitForImageAsync(project, changed, $"{ImageRepo}:{tag}");
            results["webhook"].Add(watch.Elapsed.TotalSeconds);
            Log($"webhook run {i + 1}: {watch.Elapsed.TotalSeconds:0.00} s");
            await WaitForPassAsync(http, project, sha, TimeSpan.FromSeconds(120));
        }
        daemon.Stop();

        // ------------------------------------------------------------------ 1c. docker compose --
        if (hasCompose)
        {
            var dir = Path.Combine(work, "compose");
            CopyDirectory(Path.Combine(clone, "app"), dir);
            var composeTag = "1.0";
            File.WriteAllText(Path.Combine(dir, ".env"), $"APP_TAG={composeTag}\n");
            Check("docker", ["compose", "-p", composeProject, "up", "-d", "--quiet-pull"], dir);
            results["compose"] = [];
            for (var i = 0; i < runs; i++)
            {
                composeTag = composeTag == "1.0" ? "1.1" : "1.0";
                File.WriteAllText(Path.Combine(dir, ".env"), $"APP_TAG={composeTag}\n");
                var watch = Stopwatch.StartNew();
                Check("docker", ["compose", "-p", composeProject, "up", "-d"], dir);
                await WaitForImageAsync(composeProject, changed, $"{ImageRepo}:{composeTag}");
                results["compose"].Add(watch.Elapsed.TotalSeconds);
                Log($"docker compose run {i + 1}: {watch.Elapsed.TotalSeconds:0.00} s");
            }
        }
    }

    if (only != "latency")
    {
        // ------------------------------------------------------------------ 2. memory over cycles --
        WriteConfig("1h", drift);
        daemon = Daemon.Start(reconciler, config, Path.Combine(work, "daemon-memory.log"), daemonEnv);
        await WaitAsync("daemon ready", async () => await Ready(http), TimeSpan.FromSeconds(60));
        var head = Git(clone, "rev-parse", "HEAD").Trim();
        await WaitForPassAsync(http, project, head, TimeSpan.FromSeconds(120));
        Log($"counting {cycles} reconcile cycles (drift_interval {drift}) by the pass time in /status");
        string? lastAt = null;
        var count = 0;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(Math.Max(600, cycles * 2));
        while (count < cycles)
        {
            if (clock.Elapsed > deadline) throw new TimeoutException($"only {count} cycles in {deadline.TotalSeconds:0} s");
            var stack = await StackStatusAsync(http, project);
            var at = stack?.GetProperty("at").GetString();
            if (at is not null && at != lastAt)
            {
                if (lastAt is not null)
                {
                    count++;
                    if (stack!.Value.GetProperty("outcome").GetString() != "Noop") nonNoop++;
                    if (count == checkpoint || count == cycles || count % 100 == 0)
                    {
                        memory.Add((count, clock.Elapsed.TotalSeconds, daemon.ResidentKiB(), daemon.CpuSeconds(), daemon.Breakdown()));
                        if (count % 100 == 0) Log($"cycle {count}: VmRSS {daemon.ResidentKiB() / 1024.0:0.0} MiB");
                    }
                }
                lastAt = at;
            }
            await Task.Delay(25);
        }
        hwm = daemon.PeakKiB();
        daemon.Stop();
    }

    // ------------------------------------------------------------------ report --
    var report = new StringBuilder();
    var composeVersion = hasCompose ? Run("docker", ["compose", "version", "--short"], null).Out.Trim() : "not installed";
    var engineVersion = (await docker.System.GetVersionAsync()).Version;
    report.AppendLine($"Daemon benchmark: {DateTime.Now:yyyy-MM-dd HH:mm}, {Environment.ProcessorCount} cores, docker {engineVersion}, compose {composeVersion}, reconciler {Path.GetFileName(reconciler)}");
    if (daemonEnv.Count > 0) report.AppendLine($"Daemon environment: {string.Join(' ', daemonEnv.Select(kv => $"{kv.Key}={kv.Value}"))}");
    report.AppendLine($"Stack: {services} services (one depends-on chain, healthchecked db, file bind mounts); the change: {changed}'s tag 1.0 ↔ 1.1 in .env.");
    report.AppendLine();
    if (results.Count > 0)
    {
        report.AppendLine($"| git push → {changed} recreated and running | median | min | max | runs |");
        report.AppendLine("|---|---|---|---|---|");
        void Row(string name, string key)
        {
            if (!results.TryGetValue(key, out var xs) || xs.Count == 0) { report.AppendLine($"| {name} | – | – | – | – |"); return; }
            report.AppendLine($"| {name} | {Median(xs):0.00} s | {xs.Min():0.00} s | {xs.Max():0.00} s | {xs.Count} |");
        }
        Row("reconciler run, interval 1s (poll)", "poll");
        Row("reconciler run, interval 1h + GitHub webhook", "webhook");
        Row(hasCompose ? "docker compose up -d (no git; the same recreate)" : "docker compose up -d (not installed)", "compose");
        report.AppendLine();
    }
    if (memory.Count > 0)
    {
        var at100 = memory.First(m => m.Cycle == checkpoint);
        var atEnd = memory.First(m => m.Cycle == cycles);
        var rate = (atEnd.Cycle - at100.Cycle) / (atEnd.Seconds - at100.Seconds);
        var cpuPerCycle = (atEnd.CpuSeconds - at100.CpuSeconds) / (atEnd.Cycle - at100.Cycle) * 1000;
        report.AppendLine($"| reconcile cycles ({services} services, drift_interval {drift}) | VmRSS | anon / file / shmem | elapsed |");
        report.AppendLine("|---|---|---|---|");
        foreach (var m in memory.Where(m => m.Cycle == checkpoint || m.Cycle == cycles || m.Cycle % 200 == 0).DistinctBy(m => m.Cycle))
        {
            report.AppendLine($"| after {m.Cycle:N0} | {m.RssKiB / 1024.0:0.0} MiB | {m.Breakdown} | {m.Seconds:0.0} s |");
        }
        report.AppendLine();
        var growth = (atEnd.RssKiB - at100.RssKiB) / 1024.0;
        // The issue's target: resident memory after the last cycle under 80 MB (decimal), not growing
        // from the checkpoint to the end. The peak is printed beside it, not judged.
        var endMB = atEnd.RssKiB * 1024.0 / 1e6;
        report.AppendLine($"VmRSS {at100.RssKiB / 1024.0:0.0} MiB after {checkpoint:N0} cycles → {atEnd.RssKiB / 1024.0:0.0} MiB ({endMB:0.0} MB) after {cycles:N0} ({growth:+0.0;-0.0} MiB); peak (VmHWM) {hwm / 1024.0:0.0} MiB.");
        report.AppendLine($"target: under 80 MB after {cycles:N0} cycles: {(endMB < 80 ? "met" : "MISSED")}; no growth from cycle {checkpoint:N0} to {cycles:N0}: {(growth <= 1.0 ? "met" : "MISSED")} (1 MiB tolerance).");
        report.AppendLine($"{rate:0.0} cycles/s, {cpuPerCycle:0.0} ms of daemon CPU per cycle; {nonNoop} of {cycles} cycles were not no-ops.");
    }
    Console.WriteLine(report.ToString());
    if (markdown is not null) File.WriteAllText(markdown, report.ToString());
    return 0;
}
catch (Exception e)
{
    Log($"FAILED: {e.Message}");
    if (daemon is not null) Log($"daemon log ({daemon.LogPath}):\n{string.Join('\n', File.ReadLines(daemon.LogPath).TakeLast(40))}");
    return 1;
}
finally
{
    daemon?.Stop();
    foreach (var p in new[] { project, composeProject }) await CleanUpAsync(p);
    if (keep) Log($"kept {work}");
    else try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}

// ====================================================================== helpers ==

static string Generate(int n, string changed)
{
    var web = (n - 2) / 3;
    var workers = n - 2 - web;
    var sb = new StringBuilder($"""
        # Generated by bench/daemon: {n} long-running services (the image's default command sleeps
        # and traps TERM, so stops are prompt).
        x-defaults: &defaults
          restart: unless-stopped
          labels:
            com.example.bench: daemon
          environment: &env
            APP_ENV: bench
            TZ: UTC

        services:
          db:
            <<: *defaults
            image: {ImageRepo}:1.1
            healthcheck:
              test: ["CMD", "true"]
              interval: 1s
              timeout: 2s
              retries: 3
          cache:
            <<: *defaults
            image: {ImageRepo}:1.1

        """);
    for (var i = 1; i <= web; i++)
    {
        sb.Append($"""
              web-{i}:
                <<: *defaults
                image: {ImageRepo}:1.0
                environment:
                  <<: *env
                  SERVICE: web-{i}
                  DATABASE_URL: postgres://app@db:5432/app
                volumes:
                  - ./conf/app.conf:/etc/app/app.conf:ro
                depends_on:
                  db:
                    condition: service_healthy
                  cache:
                    condition: service_started

            """);
    }
    for (var i = 1; i <= workers; i++)
    {
        var image = $"worker-{i}" == changed ? ImageRepo + ":${APP_TAG}" : ImageRepo + ":1.0";
        sb.Append($"""
              worker-{i}:
                <<: *defaults
                image: {image}
                environment:
                  - QUEUE=queue-{i}
                  - CONCURRENCY={1 + i % 4}

            """);
    }
    return sb.ToString();
}

static string Commit(string clone, string subject, bool push)
{
    Git(clone, "add", "--all");
    Git(clone, "commit", "--quiet", "-m", subject);
    if (push) Git(clone, "push", "--quiet", "origin", "HEAD:refs/heads/main");
    return Git(clone, "rev-parse", "HEAD").Trim();
}

static string Git(string? dir, params string[] args)
{
    var env = new Dictionary<string, string>
    {
        ["GIT_CONFIG_NOSYSTEM"] = "1", ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_AUTHOR_NAME"] = "Bench", ["GIT_AUTHOR_EMAIL"] = "bench@example.test",
        ["GIT_COMMITTER_NAME"] = "Bench", ["GIT_COMMITTER_EMAIL"] = "bench@example.test",
    };
    var r = Run("git", args, dir, env);
    if (r.Code != 0) throw new InvalidOperationException($"git {string.Join(' ', args)}: {r.Err}");
    return r.Out;
}

static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, string? dir, IDictionary<string, string>? env = null)
{
    var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir ?? Environment.CurrentDirectory };
    foreach (var a in args) psi.ArgumentList.Add(a);
    foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
    using var p = Process.Start(psi)!;
    var o = p.StandardOutput.ReadToEndAsync();
    var e = p.StandardError.ReadToEndAsync();
    p.WaitForExit();
    return (p.ExitCode, o.Result, e.Result);
}

static void Check(string file, string[] args, string? dir)
{
    var r = Run(file, args, dir);
    if (r.Code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {r.Code}: {r.Err}");
}

static void CopyDirectory(string from, string to)
{
    foreach (var d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(d.Replace(from, to, StringComparison.Ordinal));
    Directory.CreateDirectory(to);
    foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(f, f.Replace(from, to, StringComparison.Ordinal), overwrite: true);
}

static double Median(List<double> xs)
{
    var s = xs.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

static int FreePort()
{
    var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    var port = ((IPEndPoint)l.LocalEndpoint).Port;
    l.Stop();
    return port;
}

static async Task<bool> Ready(HttpClient http)
{
    try
    {
        using var r = await http.GetAsync("readyz");
        return r.StatusCode == HttpStatusCode.OK;
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        return false;
    }
}

static async Task<JsonElement?> StackStatusAsync(HttpClient http, string stack)
{
    try
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("status"));
        foreach (var s in doc.RootElement.GetProperty("stacks").EnumerateArray())
            if (s.GetProperty("name").GetString() == stack) return s.Clone();
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
    }
    return null;
}

static async Task WaitForPassAsync(HttpClient http, string stack, string commit, TimeSpan timeout) =>
    await WaitAsync($"a finished pass at {commit[..12]}", async () =>
        await StackStatusAsync(http, stack) is { } s && s.GetProperty("commit").GetString() == commit
        && s.GetProperty("outcome").GetString() is "Applied" or "Noop", timeout);

static async Task WaitAsync(string what, Func<Task<bool>> condition, TimeSpan timeout)
{
    var watch = Stopwatch.StartNew();
    while (!await condition())
    {
        if (watch.Elapsed > timeout) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
        await Task.Delay(50);
    }
}

async Task WaitForImageAsync(string p, string service, string image)
{
    var filters = new Dictionary<string, IDictionary<string, bool>>
    {
        ["label"] = new Dictionary<string, bool> { [$"{ProjectLabel}={p}"] = true, [$"{ServiceLabel}={service}"] = true },
    };
    var watch = Stopwatch.StartNew();
    while (true)
    {
        var cs = await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filters });
        if (cs.Count == 1 && cs[0].State == "running" && cs[0].Image == image) return;
        if (watch.Elapsed > TimeSpan.FromSeconds(180)) throw new TimeoutException($"{service} of {p} not running {image} after 180 s");
        await Task.Delay(20);
    }
}

async Task CleanUpAsync(string p)
{
    var byLabel = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ProjectLabel}={p}"] = true } };
    try
    {
        foreach (var c in await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = byLabel }))
            await docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
        foreach (var n in await docker.Networks.ListNetworksAsync(new NetworksListParameters { Filters = byLabel }))
            await docker.Networks.DeleteNetworkAsync(n.ID);
        foreach (var v in (await docker.Volumes.ListAsync(new VolumesListParameters { Filters = byLabel })).Volumes ?? [])
            await docker.Volumes.RemoveAsync(v.Name, force: true);
    }
    catch (DockerApiException e)
    {
        Console.Error.WriteLine($"cleanup of {p}: {e.Message}");
    }
}

/// <summary><c>reconciler run</c> as a child process, its output in a log file.</summary>
sealed class Daemon
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private Daemon(Process process, StreamWriter log, string logPath)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string LogPath { get; }

    public static Daemon Start(string reconciler, string config, string logPath, IReadOnlyDictionary<string, string> env)
    {
        var dll = reconciler.EndsWith(".dll", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(dll ? "dotnet" : reconciler) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (dll) { psi.ArgumentList.Add("exec"); psi.ArgumentList.Add(reconciler); }
        foreach (var a in new[] { "run", "-c", config }) psi.ArgumentList.Add(a);
        psi.Environment.Remove("NOTIFY_SOCKET");
        psi.Environment.Remove("WATCHDOG_USEC");
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new Daemon(p, log, logPath);
    }

    public long ResidentKiB() => Field("VmRSS:");

    /// <summary>VmRSS split as the kernel counts it: anonymous (GC heap, native heaps), file-backed (mapped assemblies and libraries), shmem (the runtime's double-mapped JIT code).</summary>
    public string Breakdown() => $"{Field("RssAnon:") / 1024.0:0.0} / {Field("RssFile:") / 1024.0:0.0} / {Field("RssShmem:") / 1024.0:0.0} MiB";
    public long PeakKiB() => Field("VmHWM:");

    private long Field(string name)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith(name, StringComparison.Ordinal))
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }

    /// <summary>utime + stime of the daemon, from /proc/PID/stat.</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // after "pid (comm) ": state is field 3; utime and stime are fields 14 and 15 → indexes 11 and 12 here.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public void Stop()
    {
        if (_process.HasExited) return;
        _ = Kill(_process.Id, 15);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        lock (_log) _log.Flush();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
