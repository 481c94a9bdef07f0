using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit.Sdk;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>
/// What a hostile commit's failure must say, as words (case-insensitive), not sentences: the file at
/// fault (<see cref="File"/>, shown as its location in /status and <c>reconciler status</c>; history
/// rows carry the message alone), every word of <see cref="AllOf"/>, and one of <see cref="AnyOf"/>
/// when it has any.
/// </summary>
public sealed record Reason(string? File, IReadOnlyList<string> AllOf, IReadOnlyList<string> AnyOf)
{
    public static Reason At(string file) => new(file, [], []);

    public static Reason Saying(params string[] allOf) => new(null, allOf, []);

    public Reason AndOneOf(params string[] anyOf) => this with { AnyOf = anyOf };

    /// <summary>In an error with its location (file:line: message).</summary>
    public bool IsIn(string? text) => text is not null && (File is null || Has(text, File)) && IsInMessage(text);

    /// <summary>In an error's message alone.</summary>
    public bool IsInMessage(string? text) =>
        text is not null && AllOf.All(w => Has(text, w)) && (AnyOf.Count == 0 || AnyOf.Any(w => Has(text, w)));

    private static bool Has(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);

    public override string ToString()
    {
        var parts = new List<string>();
        if (File is not null) parts.Add($"the file \"{File}\"");
        if (AllOf.Count > 0) parts.Add("all of [" + string.Join(", ", AllOf.Select(w => $"\"{w}\"")) + "]");
        if (AnyOf.Count > 0) parts.Add("one of [" + string.Join(", ", AnyOf.Select(w => $"\"{w}\"")) + "]");
        return string.Join(" and ", parts);
    }
}

/// <summary>What the second stack, in the same repo, does with a hostile commit.</summary>
public enum OtherStack
{
    /// <summary>The commit also changes the other stack's own folder, and that change deploys.</summary>
    Deploys,

    /// <summary>Its files are unchanged: its container stays as it was (a refused tree may fail it too).</summary>
    Untouched,
}

/// <summary>One stack's line of <c>GET /status</c>.</summary>
public sealed record StackStatus(string? Commit, string Outcome, string? Error, int Drift);

/// <summary>What a case compares against: taken after the last good commit settled, before the hostile one.</summary>
public sealed record Baseline(
    string Case,
    int Pid,
    ContainerInfo Web,
    ContainerInfo Worker,
    DirectorySnapshot Files,
    int LogLength,
    int SpanMark,
    PlantedSecrets Planted);

/// <summary>Files outside the repository, each holding a secret of its own (fresh for every case).</summary>
public sealed record PlantedSecrets(string Directory, IReadOnlyDictionary<string, string> ByFile)
{
    public string PathOf(string file) => System.IO.Path.Combine(Directory, file);
    public string this[string file] => ByFile[file];
}

/// <summary>
/// The world of the hostile-commit tests (issue 11): a real bare repo, a real <c>reconciler run</c>
/// on the real engine, two stacks in the repo (<c>app/</c>, the one attacked, and <c>other/</c>),
/// and around the daemon's state_dir a tree of sentinel files the test owns:
/// <code>
/// TMP/                 Scenario.Directory (repo, clone, daemon log, config)
///   a/sentinel         a/secrets/…          files a commit tries to read, one secret each
///   a/b/sentinel
///   a/b/c/sentinel     a/b/c/slash-written  (planted: a tree entry's name aims at it)
///   a/b/c/state/       state_dir: sentinel, stacks/sentinel, stacks/NAME/sentinel
///     stacks/NAME/tree the only place a commit may write
/// </code>
/// The state_dir sits five levels below <c>a/</c> so that even an exporter that follows <c>..</c>
/// entries stays inside TMP: the tests never climb higher than <see cref="MaxClimb"/> levels above a
/// stack's tree, and every hostile path is checked with <see cref="AssertLandsInside"/> before it is
/// pushed. The daemon runs with a 1 GiB GC heap limit, so a loader without budgets fails fast with
/// an out-of-memory error instead of taking the host's memory from everything else running on it.
/// </summary>
public sealed class BoundaryWorld : IAsyncDisposable
{
    /// <summary>From a stack's tree up: NAME, stacks, state, c, b — and never to a/, TMP or above.</summary>
    public const int MaxClimb = 5;

    /// <summary>RECONCILER_TEST_TOKEN in the daemon's environment: not in any stack's pass_env.</summary>
    public const string TokenVariable = "RECONCILER_TEST_TOKEN";

    private readonly List<string> _problems = [];
    private readonly List<string> _caseSecrets = [];
    private readonly HashSet<string> _extraFiles = new(StringComparer.Ordinal);
    private readonly Func<BoundaryWorld, string>? _stackYaml;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Baseline? _baseline;
    private int _revision;

    private BoundaryWorld(Scenario scenario, OtlpSink spans, Func<BoundaryWorld, string>? stackYaml, IReadOnlyDictionary<string, string> environment)
    {
        S = scenario;
        Spans = spans;
        _stackYaml = stackYaml;
        _environment = environment;
        Token = "hxtoken" + Guid.NewGuid().ToString("N");
    }

    public Scenario S { get; }
    public OtlpSink Spans { get; }
    public ITestOutputHelper? Output { get; set; }
    public DaemonProcess Daemon => S.Daemon;
    public string Token { get; }

    public string Outer => Path.Combine(S.Directory, "a");
    public string SecretsDir => Path.Combine(Outer, "secrets");
    public string StateDir => Path.Combine(Outer, "b", "c", "state");
    public string Stack => S.Project;
    public string OtherStackName => S.Project + "-b";
    public string TreeOf(string stack) => Path.Combine(StateDir, "stacks", stack, "tree");

    /// <summary>The image app/'s web service runs now; each good commit switches between 1.0 and 1.1.</summary>
    public string CurrentImage { get; private set; } = DockerCli.Image10;
    public string NextImage => CurrentImage == DockerCli.Image10 ? DockerCli.Image11 : DockerCli.Image10;
    public string LastGood { get; private set; } = "";

    public string WebYaml(string image, string? extra = null) => Compose.File(new Svc("web", image) { Extra = extra });

    private string OtherYaml => Compose.File(new Svc("worker") { Env = Revision });

    /// <summary>A good commit's web: the image switched and a revision of its own, so that it always differs from what ran before, hostile commits included.</summary>
    private string GoodWebYaml(string? extra = null) =>
        Compose.File(new Svc("web", CurrentImage) { Extra = $"    labels:\n      dev.reconciler.ftest.revision: \"{Revision}\"\n" + extra });
    private string Revision => $"r{_revision}";

    /// <summary>
    /// Makes the layout, commits the first good version of both stacks, starts the daemon and waits
    /// until both run. <paramref name="stackYaml"/> gives more of app/'s stack config (host_files:, …,
    /// each line indented by four spaces); <paramref name="environment"/> more of the daemon's environment.
    /// </summary>
    public static async Task<BoundaryWorld> CreateAsync(ITestOutputHelper? output = null, Func<BoundaryWorld, string>? stackYaml = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var s = await Scenario.CreateAsync(output);
        var world = new BoundaryWorld(s, new OtlpSink(), stackYaml, environment ?? new Dictionary<string, string>()) { Output = output };
        try
        {
            foreach (var dir in new[] { world.Outer, Path.Combine(world.Outer, "b"), Path.Combine(world.Outer, "b", "c"), world.StateDir,
                         Path.Combine(world.StateDir, "stacks"), Path.Combine(world.StateDir, "stacks", world.Stack),
                         Path.Combine(world.StateDir, "stacks", world.OtherStackName) })
            {
                Directory.CreateDirectory(dir);
                await File.WriteAllTextAsync(Path.Combine(dir, "sentinel"), $"sentinel of the test in {dir}\n");
            }
            await File.WriteAllTextAsync(Path.Combine(world.Outer, "b", "c", "slash-written"), "planted by the test\n");
            world.PlantSecrets();
            world.LastGood = await s.Git.CommitAsync("first good version", new Dictionary<string, string?>
            {
                ["app/compose.yaml"] = world.GoodWebYaml(),
                ["other/compose.yaml"] = world.OtherYaml,
            });
            world.StartDaemon();
            await world.WaitGoodAsync(world.LastGood, TimeSpan.FromSeconds(120));
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    private void StartDaemon()
    {
        var daemon = S.NewDaemon(d => d with
        {
            StateDir = StateDir,
            StackPath = "app",
            OtlpEndpoint = Spans.Endpoint,
            StackYaml = _stackYaml?.Invoke(this),
            MoreStacksYaml = $"  - name: {OtherStackName}\n    repo: origin\n    path: other\n    drift_interval: 2s\n    health_timeout: 20s\n",
        });
        daemon.ExtraEnvironment[TokenVariable] = Token;
        daemon.ExtraEnvironment["DOTNET_GCHeapHardLimit"] = "0x40000000";
        daemon.ExtraEnvironment["OTEL_BSP_SCHEDULE_DELAY"] = "250";
        foreach (var (k, v) in _environment) daemon.ExtraEnvironment[k] = v;
        daemon.Start();
    }

    /// <summary>Fresh secrets in the planted files (so a leak is pinned on the case that caused it).</summary>
    private PlantedSecrets PlantSecrets()
    {
        Directory.CreateDirectory(SecretsDir);
        string Fresh(string kind) => $"hx{kind}{Guid.NewGuid():N}";
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["secret.env"] = Fresh("envfile"),
            ["secret.txt"] = Fresh("secretfile"),
            ["config.txt"] = Fresh("configfile"),
            ["included.yaml"] = Fresh("include"),
            ["base.yaml"] = Fresh("extends"),
            ["shop.env"] = Fresh("hostfile"),
        };
        File.WriteAllText(Path.Combine(SecretsDir, "secret.env"), $"LEAKED_ENV={values["secret.env"]}\n");
        File.WriteAllText(Path.Combine(SecretsDir, "secret.txt"), values["secret.txt"] + "\n");
        File.WriteAllText(Path.Combine(SecretsDir, "config.txt"), values["config.txt"] + "\n");
        File.WriteAllText(Path.Combine(SecretsDir, "included.yaml"),
            $"services:\n  leak:\n    image: {DockerCli.Image10}\n    environment:\n      LEAKED_INCLUDE: {values["included.yaml"]}\n");
        File.WriteAllText(Path.Combine(SecretsDir, "base.yaml"),
            $"services:\n  base:\n    image: {DockerCli.Image10}\n    environment:\n      LEAKED_EXTENDS: {values["base.yaml"]}\n");
        File.WriteAllText(Path.Combine(SecretsDir, "shop.env"), $"SHOP_KEY={values["shop.env"]}\n");
        // Private, as secrets on a host are (a daemon may insist on that for files it is allowed to read).
        if (!OperatingSystem.IsWindows())
            foreach (var file in values.Keys) File.SetUnixFileMode(Path.Combine(SecretsDir, file), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new PlantedSecrets(SecretsDir, values);
    }

    /// <summary>A secret that a case puts into the commit itself (a .env value): it must not be quoted anywhere either.</summary>
    public string NewSecret(string kind, int length = 0)
    {
        var value = $"hx{kind}{Guid.NewGuid():N}";
        if (value.Length < length) value = value.PadRight(length, 'z');
        _caseSecrets.Add(value);
        return value;
    }

    // ------------------------------------------------------------------ a case --

    /// <summary>
    /// Starts a case: the last good commit running on both stacks (pushing a new one, and starting
    /// the daemon again, when an earlier case left things broken), fresh planted secrets, then the
    /// baseline: pid, containers, the sentinel snapshot, where the log and the spans are.
    /// </summary>
    public async Task<Baseline> BeginAsync(string name)
    {
        _problems.Clear();
        _caseSecrets.Clear();
        S.Note("case " + name);
        if (!Daemon.Running || !await IsGoodAsync(LastGood))
        {
            // An earlier case failed half-way: a new good head first, so a restarted daemon does not meet the hostile one.
            LastGood = await PushGoodCommitAsync("good again before " + name);
            if (!Daemon.Running) StartDaemon();
            await WaitGoodAsync(LastGood, TimeSpan.FromSeconds(120));
        }
        var planted = PlantSecrets();
        _baseline = new Baseline(name, RunningPid, await OnlyContainerAsync(Stack, "web"), await OnlyContainerAsync(OtherStackName, "worker"),
            Snapshot(), S.Log.Text.Length, Spans.Count, planted);
        return _baseline;
    }

    /// <summary>
    /// After a good commit deployed inside a case: what runs now (containers, files) is what the rest
    /// of the case compares against; the planted secrets stay (a rotated host file is a change).
    /// </summary>
    public async Task RebaselineAsync() =>
        _baseline = Current with
        {
            Web = await OnlyContainerAsync(Stack, "web"),
            Worker = await OnlyContainerAsync(OtherStackName, "worker"),
            Files = Snapshot(),
        };

    private Baseline Current => _baseline ?? throw new InvalidOperationException("BeginAsync first");

    /// <summary>Commits files (paths from the repo root; null deletes) on top of the last commit; with <see cref="OtherStack.Deploys"/> other/ changes too.</summary>
    public async Task<string> PushAsync(string message, IReadOnlyDictionary<string, string?> files, OtherStack other = OtherStack.Deploys)
    {
        var all = new Dictionary<string, string?>(files, StringComparer.Ordinal);
        foreach (var path in files.Keys.Where(p => p is not "app/compose.yaml" and not "other/compose.yaml")) _extraFiles.Add(path);
        if (other == OtherStack.Deploys)
        {
            _revision++;
            all["other/compose.yaml"] = OtherYaml;
        }
        S.Note("push " + message);
        return await S.Git.CommitAsync(message, all);
    }

    /// <summary>The last good root tree (the clone's index) with <paramref name="extra"/> entries added, as a tree object.</summary>
    public async Task<string> RootTreeWithAsync(params RawEntry[] extra) =>
        await RawTree.TreeAsync(S.Git, [.. await RawTree.IndexEntriesAsync(S.Git), .. extra]);

    /// <summary>
    /// Throws (before anything is pushed) unless <paramref name="entryPath"/>, taken from a stack's
    /// tree directory the way a naive exporter would (lexically, an absolute name replacing the base),
    /// lands inside <see cref="Outer"/>. The guard that keeps these tests from writing or deleting
    /// anywhere else on a host, whatever the exporter under test does.
    /// </summary>
    public void AssertLandsInside(string entryPath)
    {
        foreach (var stack in new[] { Stack, OtherStackName })
        {
            var landed = Path.GetFullPath(Path.Combine(TreeOf(stack), entryPath));
            var floor = TreeOf(stack);
            for (var i = 0; i < MaxClimb; i++) floor = Path.GetDirectoryName(floor)!;
            if (Path.IsPathRooted(entryPath)) floor = Outer;
            if (!landed.StartsWith(floor + "/", StringComparison.Ordinal) || !landed.StartsWith(Outer + "/", StringComparison.Ordinal))
                throw new InvalidOperationException($"unsafe test: \"{entryPath}\" from {TreeOf(stack)} lands on {landed}, not inside {floor}");
        }
    }

    /// <summary>Pushes a raw tree (see <see cref="RawTree"/>) as the next commit; the other stack's files stay as they are.</summary>
    public Task<string> PushTreeAsync(string message, string tree)
    {
        S.Note("push tree " + message);
        return S.Git.CommitTreeAsync(tree, message);
    }

    /// <summary>
    /// The checks for a refused commit: the daemon up (same pid, /healthz), the commit failed for
    /// <paramref name="reason"/> in /status, `reconciler status` and `history`, nothing outside the
    /// stacks' trees touched, the running container untouched, no secret anywhere, spans included;
    /// the other stack deploys its own change meanwhile (or stays untouched).
    /// </summary>
    public async Task ExpectRefusedAsync(string commit, Reason reason, OtherStack other = OtherStack.Deploys)
    {
        var b = Current;
        var c12 = commit[..12];
        if (!Daemon.Running)
        {
            _problems.Add($"{c12} not checked: the daemon is not running");
            return;
        }
        StackStatus? accepted = null;
        await UntilAsync($"/status: stack {Stack} failed at {c12}", async () =>
        {
            if (await StackAsync(Stack) is not { } st || st.Commit != commit) return false;
            if (st.Outcome is "Applied" or "Noop") accepted = st; // deployed: no use waiting for a failure
            return st.Outcome == "Failed" || accepted is not null;
        }, TimeSpan.FromSeconds(60));
        if (accepted is not null) _problems.Add($"/status: stack {Stack} deployed the hostile commit {c12} ({accepted.Outcome}) instead of refusing it");
        if (other == OtherStack.Deploys)
        {
            await UntilAsync($"stack {OtherStackName} deployed its change {Revision} at {c12} meanwhile",
                () => WorkerAtAsync(commit, Revision), TimeSpan.FromSeconds(90));
        }
        // The spans of the hostile pass (its sha is an attribute), so that looking for secrets in them means something.
        await UntilAsync($"a span naming commit {c12} exported", () => Task.FromResult(Spans.Contains(commit, b.SpanMark)), TimeSpan.FromSeconds(20));

        await CheckDaemonUpAsync();
        CheckFiles();
        await CheckUntouchedAsync(Stack, "web", b.Web);
        if (other == OtherStack.Untouched) await CheckUntouchedAsync(OtherStackName, "worker", b.Worker);
        await CheckContainersHoldNoSecretAsync();

        var st = await StackAsync(Stack);
        if (st is null || !reason.IsIn(st.Error)) _problems.Add($"/status: stack {Stack}'s error does not say {reason}: \"{st?.Error}\"");
        var cli = await CliOutputsAsync(withOtherHistory: true);
        var status = SectionOf(cli[0].Text, Stack);
        if (!status.Contains(c12, StringComparison.Ordinal) || !reason.IsIn(ErrorLine(status)))
            _problems.Add($"`reconciler status` does not show {c12} failed, with an error line saying {reason}:\n{status}");
        var rows = DaemonProcess.ParseHistory(cli[1].Text).Where(r => commit.StartsWith(r.Commit, StringComparison.Ordinal)).ToList();
        if (rows.Count == 0 || rows.Any(r => r.Result != "failed") || !reason.IsInMessage(rows[0].Error))
            _problems.Add($"`reconciler history {Stack}` has no failed row for {c12} whose error says {reason with { File = null }}:\n{string.Join("\n", rows.Select(r => r.Line + "\n    " + r.Error))}");
        await CheckNoSecretAsync(cli);
        Output?.WriteLine($"{b.Case}: {c12} refused; /status error: {st?.Error}");
    }

    /// <summary>
    /// The next good commit (web's image switched, other/ changed, files the hostile commits added
    /// removed; <paramref name="webExtra"/> is more of web's YAML) deploys on both stacks, the daemon
    /// is the same process, and each of the <paramref name="hostile"/> commits was recorded once.
    /// </summary>
    public async Task<string?> ExpectNextGoodDeploysAsync(IReadOnlyList<string> hostile, string? webExtra = null)
    {
        var b = Current;
        var good = await DeployGoodAsync("good after " + b.Case, webExtra);
        if (good is null) return null;
        if (RunningPid != b.Pid) _problems.Add($"the daemon's pid changed from {b.Pid} to {(Daemon.Running ? Daemon.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}");
        CheckFiles();
        // The state and the log after the passes since: history and what the daemon keeps (status was looked at above).
        var cli = await CliOutputsAsync(withOtherHistory: false);
        foreach (var h in hostile)
        {
            // Issue 11: a refused commit is a failure of that commit, recorded once, not retried as a transient error.
            var rows = DaemonProcess.ParseHistory(cli[1].Text).Where(r => h.StartsWith(r.Commit, StringComparison.Ordinal)).ToList();
            if (rows.Count != 1) _problems.Add($"the hostile commit {h[..12]} has {rows.Count} rows in `reconciler history {Stack}` (recorded once is expected):\n{string.Join("\n", rows.Select(r => r.Line))}");
        }
        await CheckNoSecretAsync(cli);
        return good;
    }

    /// <summary>Pushes a good commit (see <see cref="ExpectNextGoodDeploysAsync"/>) and waits until both stacks run it; null (and a problem recorded) when they don't.</summary>
    public async Task<string?> DeployGoodAsync(string message, string? webExtra = null)
    {
        if (!Daemon.Running)
        {
            _problems.Add($"not tried: {message} (the daemon is not running)");
            return null;
        }
        var good = await PushGoodCommitAsync(message, webExtra);
        if (!await UntilAsync($"the good commit {good[..12]} deployed on both stacks", () => IsGoodAsync(good), TimeSpan.FromSeconds(90))) return null;
        LastGood = good;
        return good;
    }

    /// <summary>The daemon's pid while it runs, 0 when it does not.</summary>
    private int RunningPid => Daemon.Running ? Daemon.Pid : 0;

    /// <summary>Ends a case: fails with every problem found, and what the daemon, the engine and the state said.</summary>
    public async Task EndAsync()
    {
        var b = Current;
        if (Daemon.Running && Daemon.Pid is var pid && File.Exists($"/proc/{pid}/status"))
        {
            var hwm = File.ReadAllLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            Output?.WriteLine($"{b.Case}: daemon peak resident memory so far {hwm?[6..].Trim()}");
        }
        if (_problems.Count == 0) return;
        var text = new StringBuilder($"case \"{b.Case}\": {_problems.Count} problem(s)\n");
        foreach (var p in _problems) text.Append("- ").Append(p).Append('\n');
        throw await S.FailureAsync(text.ToString());
    }

    /// <summary>Records a problem of the case (for checks a test makes itself).</summary>
    public void Problem(string what) => _problems.Add(what);

    // ---------------------------------------------------------------- checks --

    private async Task CheckDaemonUpAsync()
    {
        var b = Current;
        if (!Daemon.Running) return; // said already, by the wait that saw it go
        if (RunningPid != b.Pid) _problems.Add($"the daemon's pid changed from {b.Pid} to {Daemon.Pid}");
        var (code, body) = await Daemon.GetAsync("/healthz");
        if (code != 200) _problems.Add($"/healthz answered {code}: {body.Trim()}");
    }

    private void CheckFiles()
    {
        var diff = Current.Files.Differences(Snapshot());
        if (diff.Count > 0)
            _problems.Add($"{diff.Count} change(s) outside the stacks' trees (under {S.Directory}):\n    " + string.Join("\n    ", diff.Take(40)));
    }

    private async Task CheckUntouchedAsync(string project, string service, ContainerInfo before)
    {
        var now = await S.Docker.ProjectAsync(project);
        var same = now.SingleOrDefault(c => c.Id == before.Id);
        if (same is null) _problems.Add($"{project}'s {service} container {before.ShortId} is gone; the project now has: {string.Join("; ", now)}");
        else if (!same.Running || same.StartedAt != before.StartedAt)
            _problems.Add($"{project}'s {service} container {before.ShortId} was restarted or stopped: {same} started {same.StartedAt}, was {before.StartedAt}");
        if (now.Count != 1) _problems.Add($"{project} should have exactly its {service} container, it has {now.Count}: {string.Join("; ", now)}");
    }

    /// <summary>No container of either stack carries a secret or mounts anything from the secrets folder.</summary>
    private async Task CheckContainersHoldNoSecretAsync()
    {
        foreach (var project in new[] { Stack, OtherStackName })
        {
            foreach (var c in await S.Docker.ProjectAsync(project))
            {
                var inspect = await S.Docker.RunAsync("container", "inspect", c.Id);
                foreach (var (what, value) in Secrets())
                {
                    if (inspect.Stdout.Contains(value, StringComparison.Ordinal)) _problems.Add($"container {c.Name} holds the secret of {what} (docker inspect: env, labels or mounts)");
                }
                if (inspect.Stdout.Contains(SecretsDir, StringComparison.Ordinal)) _problems.Add($"container {c.Name} refers to {SecretsDir} (a bind mount of a host file?)");
            }
        }
    }

    /// <summary>
    /// No secret (the planted files', the token's, the case's own, and <paramref name="more"/>) in the
    /// daemon's log since the case began, status, history, /status, /metrics, the spans since the case
    /// began, nor state.db.
    /// </summary>
    public async Task CheckNoSecretAsync(params (string What, string Value)[] more) =>
        await CheckNoSecretAsync(await CliOutputsAsync(withOtherHistory: true), more);

    /// <summary><c>reconciler status</c>, <c>history</c> of the attacked stack and (optionally) of the other, stdout and stderr each.</summary>
    private async Task<List<(string Where, string Text)>> CliOutputsAsync(bool withOtherHistory)
    {
        static string Both(DaemonProcess.CliResult r) => r.Stdout + r.Stderr;
        var list = new List<(string, string)>
        {
            ("`reconciler status`", Both(await Daemon.CliAsync("status"))),
            ($"`reconciler history {Stack}`", Both(await Daemon.CliAsync("history", Stack, "-n", "500"))),
        };
        if (withOtherHistory) list.Add(($"`reconciler history {OtherStackName}`", Both(await Daemon.CliAsync("history", OtherStackName, "-n", "500"))));
        return list;
    }

    private async Task CheckNoSecretAsync(List<(string Where, string Text)> cli, params (string What, string Value)[] more)
    {
        var b = Current;
        var places = new List<(string Where, string Text)>(cli)
        {
            ("the daemon's stdout/stderr", S.Log.Text[Math.Min(b.LogLength, S.Log.Text.Length)..]),
            ("GET /status", (await Daemon.GetAsync("/status")).Body),
            ("GET /metrics", (await Daemon.GetAsync("/metrics")).Body),
        };
        foreach (var file in Directory.Exists(StateDir) ? Directory.GetFiles(StateDir, "state.db*") : [])
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            places.Add((Path.GetFileName(file), Encoding.Latin1.GetString(copy.ToArray())));
        }
        foreach (var (what, value) in Secrets().Concat(more))
        {
            foreach (var (where, text) in places)
            {
                var needle = where.StartsWith("state.db", StringComparison.Ordinal) ? Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(value)) : value;
                if (text.Contains(needle, StringComparison.Ordinal)) _problems.Add($"the secret of {what} appears in {where}");
            }
            if (Spans.Contains(value, b.SpanMark)) _problems.Add($"the secret of {what} appears in an exported span");
        }
    }

    private IEnumerable<(string What, string Value)> Secrets()
    {
        var b = Current;
        foreach (var (file, value) in b.Planted.ByFile)
        {
            if (file != "shop.env") yield return (Path.Combine("a/secrets", file), value);
        }
        yield return ($"${TokenVariable} in the daemon's environment", Token);
        foreach (var s in _caseSecrets) yield return ("a value in the commit's .env", s);
    }

    private DirectorySnapshot Snapshot() => DirectorySnapshot.Take(S.Directory, Skip);

    /// <summary>What may change: the repo and clone, the test's own files, and the daemon's own state (its sentinels excepted).</summary>
    private bool Skip(string path)
    {
        if (Path.GetDirectoryName(path) == S.Directory)
        {
            var name = Path.GetFileName(path);
            return name is "remote.git" or "work" or "docker-config" or "daemon.log" || name.StartsWith("config", StringComparison.Ordinal) || name.StartsWith("raw-", StringComparison.Ordinal);
        }
        if (!path.StartsWith(StateDir + "/", StringComparison.Ordinal)) return false;
        var rel = path[(StateDir.Length + 1)..];
        return !(rel is "sentinel" or "stacks" or "stacks/sentinel"
            || rel == $"stacks/{Stack}" || rel == $"stacks/{Stack}/sentinel"
            || rel == $"stacks/{OtherStackName}" || rel == $"stacks/{OtherStackName}/sentinel");
    }

    // ------------------------------------------------------------- the daemon --

    public async Task<StackStatus?> StackAsync(string stack)
    {
        var (code, body) = await Daemon.GetAsync("/status");
        if (code != 200) return null;
        using var doc = JsonDocument.Parse(body);
        foreach (var s in doc.RootElement.GetProperty("stacks").EnumerateArray())
        {
            if (s.GetProperty("name").GetString() != stack) continue;
            return new StackStatus(
                s.TryGetProperty("commit", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null,
                s.GetProperty("outcome").GetString() ?? "",
                s.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null,
                s.TryGetProperty("drift", out var d) && d.ValueKind == JsonValueKind.Array ? d.GetArrayLength() : 0);
        }
        return null;
    }

    /// <summary>The lines of one stack in <c>reconciler status</c>.</summary>
    public static string SectionOf(string status, string stack)
    {
        var lines = status.Split('\n');
        var start = Array.IndexOf(lines, stack);
        if (start < 0) return status;
        var end = start + 1;
        while (end < lines.Length && lines[end].StartsWith(' ')) end++;
        return string.Join('\n', lines[start..end]);
    }

    private static string? ErrorLine(string section) =>
        section.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal));

    private async Task<string> PushGoodCommitAsync(string message, string? webExtra = null)
    {
        CurrentImage = NextImage;
        _revision++;
        var files = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["app/compose.yaml"] = GoodWebYaml(webExtra),
            ["other/compose.yaml"] = OtherYaml,
        };
        foreach (var extra in _extraFiles) files[extra] = null;
        _extraFiles.Clear();
        S.Note("push " + message);
        return await S.Git.CommitAsync(message, files);
    }

    /// <summary>Both stacks run <paramref name="commit"/> (web on <see cref="CurrentImage"/>, worker on the current revision), passes recorded, no drift.</summary>
    private async Task<bool> IsGoodAsync(string commit)
    {
        if (!Daemon.Running) return false;
        var web = await S.Docker.ProjectAsync(Stack);
        if (web.Count != 1 || !web[0].Running || web[0].Commit != commit || web[0].ImageId != await S.Docker.ImageIdAsync(CurrentImage)) return false;
        if (!await WorkerAtAsync(commit, Revision)) return false;
        foreach (var stack in new[] { Stack, OtherStackName })
        {
            if (await StackAsync(stack) is not { } st || st.Commit != commit || st.Outcome is not ("Applied" or "Noop") || st.Drift > 0) return false;
        }
        return true;
    }

    private async Task WaitGoodAsync(string commit, TimeSpan timeout) =>
        await S.WaitAsync($"both stacks deployed and settled at {commit[..12]}", async () =>
        {
            if (!Daemon.Running) throw new XunitException($"the daemon exited (code {Daemon.ExitCode})\n{await S.DiagnosticsAsync()}");
            return await IsGoodAsync(commit);
        }, timeout);

    private async Task<bool> WorkerAtAsync(string commit, string revision)
    {
        var all = await S.Docker.ProjectAsync(OtherStackName);
        if (all.Count != 1 || !all[0].Running || all[0].Commit != commit) return false;
        return (await S.Docker.OkAsync("container", "inspect", "-f", "{{json .Config.Env}}", all[0].Id)).Contains($"\"FTEST_REVISION={revision}\"", StringComparison.Ordinal);
    }

    /// <summary>The environment of the only container of a service ("K=V" each).</summary>
    public async Task<IReadOnlyList<string>> EnvOfAsync(string project, string service)
    {
        var c = await OnlyContainerAsync(project, service);
        using var doc = JsonDocument.Parse(await S.Docker.OkAsync("container", "inspect", "-f", "{{json .Config.Env}}", c.Id));
        return [.. doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? "")];
    }

    public async Task<ContainerInfo> OnlyContainerAsync(string project, string service)
    {
        var all = (await S.Docker.ProjectAsync(project)).Where(c => c.Service == service).ToList();
        if (all.Count != 1) throw await S.FailureAsync($"expected one container of {project}'s {service}, found {all.Count}");
        return all[0];
    }

    /// <summary>Polls until <paramref name="condition"/> holds; on a timeout or the daemon's exit records a problem and returns false.</summary>
    public async Task<bool> UntilAsync(string what, Func<Task<bool>> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (!Daemon.Running)
            {
                if (!_problems.Any(p => p.StartsWith("the daemon exited", StringComparison.Ordinal)))
                    _problems.Add($"the daemon exited (code {Daemon.ExitCode}) while waiting for: {what}");
                return false;
            }
            try
            {
                if (await condition()) return true;
            }
            catch (Exception e) when (e is InvalidOperationException or JsonException or IOException or TimeoutException)
            {
            }
            await Task.Delay(250);
        }
        _problems.Add($"timed out after {timeout.TotalSeconds:0}s waiting for: {what}");
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await S.DisposeAsync();
        await Spans.DisposeAsync();
    }
}
