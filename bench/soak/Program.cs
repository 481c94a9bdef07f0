// Soak test of `reconciler run` under faults (issue 7). See bench/soak/README.md.
//
//   bash bench/soak/run.sh [--commits 200] [--seed 1] [--kill-rate 0.15] [--stop-rate 0.15] [--keep]
//
// Pushes N random commits to a bare repo one after another, each once the daemon has dealt with the
// previous one (interval 1s, drift 2s): image tag changes among 1.0/1.1/2.0, services added and
// removed, broken commits (bad YAML, an unknown key, a missing variable) and commits whose
// container exits at once (which must be rolled back). Meanwhile the daemon is SIGKILLed at random
// moments after a push (and started again at once) and managed containers are `docker stop`ped.
// At the end: the containers must be exactly the last good commit's (the last commit neither broken
// nor exit-at-once), `reconciler plan` on the daemon's rendered tree must find nothing to do, and
// the token written into the named volume at the start must read back.
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Reconciler.Faults.Tests.Infrastructure;
using Reconciler.TestSupport;

// SIGKILL, POSIX signals and the daemon harness are Linux-only, as in the fault tests.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

var options = SoakOptions.Parse(args);
return await new Soak(options).RunAsync();

internal sealed record SoakOptions(int Commits, int Seed, double KillRate, double StopRate, bool Keep, TimeSpan CommitTimeout)
{
    public static SoakOptions Parse(string[] args)
    {
        var o = new SoakOptions(200, 1, 0.15, 0.15, false, TimeSpan.FromSeconds(120));
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--commits" or "-n" => o with { Commits = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--kill-rate" => o with { KillRate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--stop-rate" => o with { StopRate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--commit-timeout" => o with { CommitTimeout = TimeSpan.FromSeconds(int.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--keep" => o with { Keep = true },
                _ => throw new ArgumentException($"unknown option {args[i]} (--commits N, --seed S, --kill-rate P, --stop-rate P, --commit-timeout S, --keep)"),
            };
        }
        return o;
    }
}

internal enum Kind { TagChange, AddService, RemoveService, BrokenYaml, UnknownKey, MissingVariable, ExitAtOnce }

internal sealed partial class Soak(SoakOptions options)
{
    private static readonly string[] Tags = ["1.0", "1.1", "2.0"];
    private static readonly string[] Pool = ["s1", "s2", "s3", "s4", "s5", "s6"];
    private readonly Random _random = new(options.Seed);
    private readonly Dictionary<Kind, int> _kinds = Enum.GetValues<Kind>().ToDictionary(k => k, _ => 0);
    private readonly List<TimeSpan> _processing = [];
    private readonly Dictionary<string, string> _imageIds = new(StringComparer.Ordinal);
    private int _stops;
    private int _stalls;
    private string _project = "";
    private string _dir = "";
    private DockerCli _docker = null!;
    private GitRemote _git = null!;
    private DaemonProcess _daemon = null!;
    private OutputLog _log = null!;

    public async Task<int> RunAsync()
    {
        _project = "ftest" + Guid.NewGuid().ToString("N")[..6];
        _dir = Directory.CreateTempSubdirectory(_project + "-soak-").FullName;
        var dockerConfig = Path.Combine(_dir, "docker-config");
        Directory.CreateDirectory(dockerConfig);
        _docker = new DockerCli(null, dockerConfig);
        if (!await _docker.PingAsync())
        {
            Console.Error.WriteLine("error: the Docker engine is unreachable; start it with `bash tests/setup/engine.sh`");
            return 1;
        }
        foreach (var tag in Tags) _imageIds[tag] = await _docker.ImageIdAsync(Image(tag));
        _git = await GitRemote.CreateAsync(_dir);
        _log = new OutputLog(Path.Combine(_dir, "daemon.log"));
        Console.WriteLine($"soak: project {_project}, {options.Commits} commits, seed {options.Seed}, kill rate {options.KillRate}, stop rate {options.StopRate}; work dir {_dir}");

        var total = Stopwatch.StartNew();
        var ok = false;
        try
        {
            ok = await SoakAsync();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"soak failed: {e}");
            Console.Error.WriteLine(_log.Tail(60));
        }
        finally
        {
            Console.WriteLine($"time: {total.Elapsed:hh\\:mm\\:ss}");
            if (_daemon is not null) await _daemon.StopAsync();
            if (!options.Keep) await CleanUpAsync();
            else Console.WriteLine($"kept: project {_project}, {_dir}");
        }
        return ok ? 0 : 1;
    }

    private async Task<bool> SoakAsync()
    {
        // Commit 0: s1 (with the named volume) and s2 on 1.0.
        var model = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [new KeyValuePair<string, string>("s1", "1.0"), new KeyValuePair<string, string>("s2", "1.0")]);
        var lastGood = await _git.CommitAsync("soak 0: s1, s2", new Dictionary<string, string?> { ["app/compose.yaml"] = Yaml(model) });
        var lastGoodIndex = 0;
        var settings = new DaemonSettings
        {
            StateDir = Path.Combine(_dir, "state"),
            RepoPath = _git.BarePath,
            Stack = _project,
            Port = LoopbackPort.Free(),
            Interval = "1s",
            DriftInterval = "2s",
            HealthTimeout = "20s",
        };
        var configPath = Path.Combine(_dir, "config.yaml");
        await File.WriteAllTextAsync(configPath, settings.Yaml());
        // As the fault tests do: the engine is the config's (the default socket), never the caller's DOCKER_HOST.
        _daemon = new DaemonProcess(configPath, _docker.DockerConfig, log: _log.Line,
            environment: new Dictionary<string, string?> { ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null })
        {
            Stack = settings.Stack,
            Port = settings.Port,
        };
        _daemon.Start();
        if (!await WaitAsync(() => GoodDoneAsync(lastGood, model), options.CommitTimeout))
            throw new InvalidOperationException("the first commit never converged");
        var token = Guid.NewGuid().ToString("N");
        await _docker.OkAsync("exec", $"{_project}-s1-1", "sh", "-c", $"echo {token} > /data/token && sync");

        for (var i = 1; i < options.Commits; i++)
        {
            var kind = PickKind(model);
            _kinds[kind]++;
            var next = model;
            string yaml;
            string message;
            switch (kind)
            {
                case Kind.TagChange:
                {
                    var service = Pick(model.Keys.ToList());
                    var tag = Pick(Tags.Where(t => t != model[service]).ToList());
                    next = model.SetItem(service, tag);
                    yaml = Yaml(next);
                    message = $"{service} → {tag}";
                    break;
                }
                case Kind.AddService:
                {
                    var service = Pick(Pool.Where(p => !model.ContainsKey(p)).ToList());
                    next = model.Add(service, Pick(Tags));
                    yaml = Yaml(next);
                    message = $"add {service} ({next[service]})";
                    break;
                }
                case Kind.RemoveService:
                {
                    var service = Pick(model.Keys.Where(s => s != "s1").ToList());
                    next = model.Remove(service);
                    yaml = Yaml(next);
                    message = $"remove {service}";
                    break;
                }
                case Kind.ExitAtOnce:
                {
                    var service = Pick(model.Keys.ToList());
                    yaml = Yaml(model, crash: service);
                    message = $"{service} exits at once";
                    break;
                }
                default:
                    yaml = Broken(Yaml(model), kind);
                    message = $"broken: {kind}";
                    break;
            }
            var sha = await _git.CommitAsync($"soak {i}: {message}", new Dictionary<string, string?> { ["app/compose.yaml"] = yaml });
            var good = kind is Kind.TagChange or Kind.AddService or Kind.RemoveService;

            // Fault: SIGKILL the daemon a random moment after the push (mid-fetch, -render, -apply, -gate or -rollback), restart at once.
            if (_random.NextDouble() < options.KillRate)
            {
                await Task.Delay(_random.Next(0, 3000));
                _daemon.Kill();
                _daemon.Start();
            }

            var watch = Stopwatch.StartNew();
            var done = good
                ? await WaitAsync(() => GoodDoneAsync(sha, next), options.CommitTimeout)
                : await WaitAsync(() => HeldAsync(sha, lastGood, model), options.CommitTimeout);
            _processing.Add(watch.Elapsed);
            if (!done)
            {
                _stalls++;
                Console.WriteLine($"  #{i} {sha[..12]} {message}: NOT processed within {options.CommitTimeout.TotalSeconds:0}s\n{await StatusAsync()}");
            }
            if (good)
            {
                model = next;
                lastGood = sha;
                lastGoodIndex = i;
            }
            if (i % 10 == 0 || !done)
                Console.WriteLine($"  #{i} {sha[..12]} {message,-28} {(done ? "ok" : "STALL")} {watch.Elapsed.TotalSeconds,5:0.0}s  kills {_daemon.Kills}, stops {_stops}, services {string.Join(' ', model.Select(kv => kv.Key + ":" + kv.Value))}");

            // Fault: a managed container stopped by hand (self-heal must start it again).
            if (_random.NextDouble() < options.StopRate)
            {
                var running = (await _docker.RunningOfProjectAsync(_project)).ToList();
                if (running.Count > 0)
                {
                    var victim = Pick(running);
                    if ((await _docker.RunAsync("stop", "-t", "2", victim.Name)).Ok) _stops++;
                }
            }
        }

        // The end: converged to the last good commit, nothing left to do, data intact.
        Console.WriteLine($"final: waiting for convergence to #{lastGoodIndex} {lastGood[..12]} ({string.Join(' ', model.Select(kv => kv.Key + ":" + kv.Value))})");
        var converged = await WaitAsync(async () => await MatchesAsync(model), TimeSpan.FromSeconds(180));
        var marker = Path.Combine(_dir, "state", "stacks", _project, "tree.commit");
        var rendered = await WaitAsync(() => Task.FromResult(File.Exists(marker) && File.ReadAllText(marker).StartsWith(lastGood, StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        var plan = await Sh.RunAsync(DaemonProcess.DotnetHost, ["exec", DaemonProcess.Dll, "plan", "-p", _project, "--remove-orphans"],
            Path.Combine(_dir, "state", "stacks", _project, "tree", "app"), DaemonProcess.ChildEnvironment(_docker.DockerConfig), TimeSpan.FromMinutes(2));
        var drift = plan.ExitCode == 0 ? 0 : ToChange().Match(plan.Stdout) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        var all = await _docker.ProjectAsync(_project);
        var leftovers = all.Where(c => c.IsTemporary || all.Count(x => x.Service == c.Service) > 1).ToList();
        var read = await _docker.RunAsync("run", "--rm", "--network", "none", "--label", $"dev.reconciler.ftest.owner={_project}",
            "-v", $"{_project}_data:/data:ro", Image("1.0"), "cat", "/data/token");
        var tokenOk = read.Ok && read.Stdout.Trim() == token;
        var history = await _daemon.HistoryAsync();
        var rolledBackRows = history.Count(h => h.Result is "rolled_back" or "rolledback");
        var expectedRollbacks = _kinds[Kind.ExitAtOnce];
        var broken = _kinds[Kind.BrokenYaml] + _kinds[Kind.UnknownKey] + _kinds[Kind.MissingVariable];

        var report = new StringBuilder();
        report.AppendLine($"commits:          {options.Commits} (tag changes {_kinds[Kind.TagChange]}, service additions {_kinds[Kind.AddService]}, removals {_kinds[Kind.RemoveService]})");
        report.AppendLine($"broken:           {broken} (bad YAML {_kinds[Kind.BrokenYaml]}, unknown key {_kinds[Kind.UnknownKey]}, missing variable {_kinds[Kind.MissingVariable]})");
        report.AppendLine($"exit-at-once:     {expectedRollbacks}");
        report.AppendLine($"rollbacks:        {rolledBackRows} rolled-back deployments in history, {_log.Count("rolling back to the last good commit")} rollbacks started in the logs");
        report.AppendLine($"daemon SIGKILLs:  {_daemon.Kills}");
        report.AppendLine($"docker stops:     {_stops}");
        report.AppendLine($"stalls:           {_stalls} (commits not dealt with within {options.CommitTimeout.TotalSeconds:0}s)");
        report.AppendLine($"per commit:       median {Median(_processing):0.0}s, max {_processing.DefaultIfEmpty().Max().TotalSeconds:0.0}s (push → daemon done with it)");
        report.AppendLine($"last good commit: #{lastGoodIndex} {lastGood[..12]} ({string.Join(' ', model.Select(kv => kv.Key + ":" + kv.Value))})");
        report.AppendLine($"converged:        {(converged ? "yes" : "NO")}; rendered tree at the last good commit: {(rendered ? "yes" : "NO")}");
        report.AppendLine($"final drift:      {drift} (reconciler plan --remove-orphans exit {plan.ExitCode}: {plan.Stdout.Split('\n')[0].Trim()})");
        report.AppendLine($"leftovers:        {leftovers.Count} (temporary or duplicate containers)");
        report.AppendLine($"volume data:      {(tokenOk ? "intact" : "LOST: " + read)}");
        report.AppendLine($"daemon:           {(_daemon.Running ? "running" : "NOT running (exit " + _daemon.ExitCode + ")")}, pass crashes logged: {_log.Count("pass crashed")}");
        Console.Write(report);
        if (plan.ExitCode != 0) Console.WriteLine(plan.Stdout + plan.Stderr);
        if (!converged || drift != 0) Console.WriteLine(await StatusAsync() + "\n" + string.Join("\n", all.Select(c => "  " + c)) + "\n" + _log.Tail(40));
        await File.WriteAllTextAsync(Path.Combine(_dir, "report.txt"), report.ToString());
        return converged && rendered && drift == 0 && leftovers.Count == 0 && tokenOk && _daemon.Running;
    }

    private Kind PickKind(ImmutableSortedDictionary<string, string> model)
    {
        var roll = _random.NextDouble();
        var kind = roll switch
        {
            < 0.45 => Kind.TagChange,
            < 0.55 => Kind.AddService,
            < 0.65 => Kind.RemoveService,
            < 0.72 => Kind.BrokenYaml,
            < 0.79 => Kind.UnknownKey,
            < 0.86 => Kind.MissingVariable,
            _ => Kind.ExitAtOnce,
        };
        if (kind == Kind.AddService && model.Count == Pool.Length) return Kind.TagChange;
        if (kind == Kind.RemoveService && model.Count == 1) return Kind.TagChange;
        return kind;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string Image(string tag) => $"{DockerCli.Registry}/reconciler-test/busybox:{tag}";

    private static string Yaml(ImmutableSortedDictionary<string, string> model, string? crash = null) => Compose.File(
    [
        .. model.Select(kv => new Svc(kv.Key, Image(kv.Value))
        {
            Data = kv.Key == "s1",
            Command = kv.Key == crash ? Compose.ExitAtOnce : null,
        }),
    ]);

    private static string Broken(string yaml, Kind kind) => kind switch
    {
        // Invalid YAML: an unclosed flow sequence.
        Kind.BrokenYaml => yaml.Replace("  s1:\n", "  s1:\n    labels: [unclosed\n", StringComparison.Ordinal),
        // A key compose does not know.
        Kind.UnknownKey => yaml.Replace("  s1:\n", "  s1:\n    imagee: typo\n", StringComparison.Ordinal),
        // A required variable that is not set.
        Kind.MissingVariable => yaml.Replace("  s1:\n", "  s1:\n    environment:\n      MODE: ${FTEST_SOAK_UNSET:?must be set}\n", StringComparison.Ordinal),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The containers are exactly the model: one per service, running, on the tag's image, properly named.</summary>
    private async Task<bool> MatchesAsync(ImmutableSortedDictionary<string, string> model)
    {
        var all = await _docker.ProjectAsync(_project);
        if (all.Count != model.Count) return false;
        foreach (var (service, tag) in model)
        {
            var c = all.SingleOrDefault(x => x.Service == service);
            if (c is null || !c.Running || c.IsTemporary || c.Name != $"{_project}-{service}-1" || c.ImageId != _imageIds[tag]) return false;
        }
        return true;
    }

    private async Task<bool> GoodDoneAsync(string sha, ImmutableSortedDictionary<string, string> model)
    {
        if (!await MatchesAsync(model)) return false;
        var status = await StatusAsync();
        return status.Contains($"deployed:  {sha[..12]}", StringComparison.Ordinal) && status.Contains("status:    in sync", StringComparison.Ordinal);
    }

    /// <summary>A broken or crashing commit: held (not retried until a newer commit), the last good commit running.</summary>
    private async Task<bool> HeldAsync(string sha, string lastGood, ImmutableSortedDictionary<string, string> model)
    {
        var status = await StatusAsync();
        var held = NotRetried().Match(status) is { Success: true } m && m.Groups[1].Value.Contains(sha[..12], StringComparison.Ordinal);
        return held && status.Contains($"deployed:  {lastGood[..12]}", StringComparison.Ordinal) && await MatchesAsync(model);
    }

    private async Task<string> StatusAsync()
    {
        var r = await _daemon.CliAsync("status");
        return r.Stdout + r.Stderr;
    }

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            try
            {
                if (await condition()) return true;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
            {
                // the engine or the CLI was busy; look again
            }
            await Task.Delay(300);
        }
        return false;
    }

    private static double Median(List<TimeSpan> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Select(v => v.TotalSeconds).Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private async Task CleanUpAsync()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var filter in new[] { $"label={DockerCli.ProjectLabel}={_project}", $"label=dev.reconciler.ftest.owner={_project}" })
            foreach (var c in await _docker.ListAsync(filter)) ids.Add(c.Id);
        if (ids.Count > 0) await _docker.RunAsync(["rm", "-f", .. ids]);
        await _docker.RunAsync("network", "rm", $"{_project}_default");
        await _docker.RunAsync("volume", "rm", $"{_project}_data");
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [GeneratedRegex(@"not retried until a newer commit: ([0-9a-f, ]+)")]
    private static partial Regex NotRetried();

    [GeneratedRegex(@"(\d+) to change")]
    private static partial Regex ToChange();
}
