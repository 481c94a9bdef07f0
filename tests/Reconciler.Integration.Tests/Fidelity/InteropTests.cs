using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using Reconciler.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Reconciler.Integration.Tests.Fidelity;

/// <summary>
/// Two-way peace with Docker Compose on the loader's golden cases: containers <c>docker compose up
/// -d</c> created are left alone by <c>reconciler plan</c>/<c>apply</c>, and containers
/// <c>reconciler apply</c> created are left alone by <c>docker compose up -d</c>, shown by their
/// ids. Needs <c>docker compose</c> (2.26) besides the engine: without it the test says so and
/// returns, the one case where it passes without checking; without the engine it fails.
/// </summary>
public sealed class InteropTests(EngineFixture fx, ITestOutputHelper output) : IClassFixture<EngineFixture>
{
    private static string Golden => Path.Combine(AppContext.BaseDirectory, "golden");

    /// <summary>Images the test engine has; a case naming another gets an override file naming this one.</summary>
    private static readonly string[] RunnableImages =
        [EngineFixture.Image, "reconciler-test/busybox:1.1", "reconciler-test/busybox:2.0", EngineFixture.Image10, EngineFixture.Image11, EngineFixture.Image20];

    /// <summary>Cases that cannot run on this engine, and why.</summary>
    private static readonly Dictionary<string, string> NotRunnable = new(StringComparer.Ordinal)
    {
        ["build-forms"] = "its contexts (remote, inline and local ones without a Dockerfile) are not buildable here",
        ["bind-and-develop"] = "binds /srv/x/, a host path that must exist (create_host_path: false)",
        // Not a hash question: compose leaves the exited container alone, apply starts it again and reports that it exited.
        ["real-world-gaps"] = "its bind volumes need ./data (git keeps no empty folder) and compose creates the volume named '' as an anonymous one that down -v leaves",
        ["runtime-options"] = "api's command exits at once (shell-words stops at '&&'), so apply's start of it fails",
    };

    public static TheoryData<string> Cases()
    {
        var cases = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Golden).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(dir, "expected.json")) && !NotRunnable.ContainsKey(Path.GetFileName(dir)))
                cases.Add(Path.GetFileName(dir));
        }
        return cases;
    }

    [Fact]
    public void Every_golden_case_is_tried_or_skipped_with_a_reason()
    {
        var all = Directory.GetDirectories(Golden).Where(d => File.Exists(Path.Combine(d, "expected.json"))).Select(Path.GetFileName).ToList();
        Assert.True(all.Count >= 20, $"only {all.Count} golden cases found under {Golden}");
        Assert.Equal(all.Count, Cases().Count + NotRunnable.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Containers_created_by_either_tool_are_kept_by_the_other(string caseName)
    {
        if (!ComposeAvailable(out var why))
        {
            output.WriteLine($"docker compose is not installed ({why}): interop not checked. Install the docker-compose-v2 plugin (2.26) to run it.");
            return;
        }
        var run = Prepare(caseName);
        var externals = await CreateExternalsAsync(run.Expected);
        var composeProject = fx.NewProject();
        var ourProject = fx.NewProject();
        try
        {
            // compose first, then Reconciler.
            Compose(run, composeProject, "up", "-d", "--quiet-pull");
            var byCompose = await ContainerIdsAsync(composeProject);
            Assert.NotEmpty(byCompose);
            var plan = await ReconcilerCli.RunAsync(fx, run.Dir, run.Env, ["plan", "--json", .. run.Args(composeProject)]);
            Assert.True(plan.ExitCode is 0 or 2, $"{caseName}: reconciler plan failed after docker compose up:\n{plan}");
            var replacing = Actions(plan.Stdout).Where(a => a is "create-container" or "recreate-container" or "remove-container").ToList();
            Assert.True(replacing.Count == 0, $"{caseName}: after docker compose up, reconciler plans {string.Join(", ", replacing)}:\n{plan.Stdout}");
            var apply = await ReconcilerCli.RunAsync(fx, run.Dir, run.Env, ["apply", .. run.Args(composeProject)]);
            Assert.True(apply.ExitCode == 0, $"{caseName}: reconciler apply after docker compose up:\n{apply}");
            AssertSameContainers(caseName, "reconciler apply after docker compose up", byCompose, await ContainerIdsAsync(composeProject));
            Compose(run, composeProject, "down", "-v", "--remove-orphans");

            // Reconciler first, then compose.
            var first = await ReconcilerCli.RunAsync(fx, run.Dir, run.Env, ["apply", .. run.Args(ourProject)]);
            Assert.True(first.ExitCode == 0, $"{caseName}: reconciler apply:\n{first}");
            var byReconciler = await ContainerIdsAsync(ourProject);
            Assert.NotEmpty(byReconciler);
            Compose(run, ourProject, "up", "-d", "--quiet-pull");
            AssertSameContainers(caseName, "docker compose up after reconciler apply", byReconciler, await ContainerIdsAsync(ourProject));
            Compose(run, ourProject, "down", "-v", "--remove-orphans");
        }
        finally
        {
            // Containers first: an external network in use cannot be removed.
            await fx.CleanUpProjectAsync(composeProject);
            await fx.CleanUpProjectAsync(ourProject);
            await RemoveExternalsAsync(externals);
        }
    }

    private sealed record CaseRun(string Dir, string[] Files, string[] Profiles, Dictionary<string, string> Env, JsonNode Expected)
    {
        public string[] Args(string project) =>
            ["-p", project, .. Files.SelectMany(f => new[] { "-f", f }), .. Profiles.SelectMany(p => new[] { "--profile", p })];
    }

    /// <summary>The case copied to a temp folder, with an override file for images this engine lacks.</summary>
    private CaseRun Prepare(string caseName)
    {
        var source = Path.Combine(Golden, caseName);
        var dir = Path.Combine(fx.NewTempDir(), caseName);
        CopyDirectory(source, dir);
        string[] Lines(string file) => File.Exists(Path.Combine(dir, file))
            ? File.ReadAllLines(Path.Combine(dir, file)).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray()
            : [];
        var files = Lines("files.txt") is { Length: > 0 } listed ? listed : ["compose.yaml"];
        var env = Lines("env.txt").Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "expected.json")))!;

        var foreign = (expected["services"]?.AsObject() ?? [])
            .Where(s => s.Value?["image"]?.GetValue<string>() is { } image && !RunnableImages.Contains(image))
            .Select(s => s.Key).ToList();
        if (foreign.Count > 0)
        {
            var yaml = "services:\n" + string.Concat(foreign.Select(s => $"  {s}:\n    image: {EngineFixture.Image}\n"));
            File.WriteAllText(Path.Combine(dir, "interop.override.yaml"), yaml);
            files = [.. files, "interop.override.yaml"];
            output.WriteLine($"image of {string.Join(", ", foreign)} replaced by {EngineFixture.Image} (not on this engine)");
        }
        return new CaseRun(dir, files, Lines("profiles.txt"), env, expected);
    }

    private void Compose(CaseRun run, string project, params string[] command)
    {
        var result = ProcessRunner.Run("docker", ["compose", .. run.Args(project), .. command], run.Dir, run.Env, timeout: TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, $"docker compose {string.Join(' ', command)} failed (exit {result.ExitCode}):\n{result.Stderr}");
    }

    private static bool ComposeAvailable(out string why)
    {
        try
        {
            var result = ProcessRunner.Run("docker", ["compose", "version"], timeout: TimeSpan.FromSeconds(30));
            why = result.Stderr.Trim();
            return result.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            why = e.Message;
            return false;
        }
    }

    /// <summary>Container name → id of the project's containers.</summary>
    private async Task<SortedDictionary<string, string>> ContainerIdsAsync(string project)
    {
        var list = await fx.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = EngineFixture.Filter("label", $"{EngineFixture.ProjectLabel}={project}"),
        });
        return new SortedDictionary<string, string>(list.ToDictionary(c => c.Names[0].TrimStart('/'), c => c.ID), StringComparer.Ordinal);
    }

    private static void AssertSameContainers(string caseName, string step, SortedDictionary<string, string> before, SortedDictionary<string, string> after)
    {
        var changed = before.Keys.Union(after.Keys)
            .Where(n => before.GetValueOrDefault(n) != after.GetValueOrDefault(n))
            .Select(n => $"{n}: {Short(before.GetValueOrDefault(n))} -> {Short(after.GetValueOrDefault(n))}")
            .ToList();
        Assert.True(changed.Count == 0, $"{caseName}: {step} replaced containers:\n  " + string.Join("\n  ", changed));
    }

    private static string Short(string? id) => id is null ? "(none)" : id[..12];

    /// <summary>The plan's action kinds (<c>reconciler plan --json</c> names each by its "action").</summary>
    private static IEnumerable<string> Actions(string planJson) =>
        (JsonNode.Parse(planJson)?["actions"]?.AsArray() ?? []).Select(a => a?["action"]?.GetValue<string>() ?? "?");

    /// <summary>External networks and volumes the case names, created unless they exist; the ones created are returned.</summary>
    private async Task<(List<string> Networks, List<string> Volumes)> CreateExternalsAsync(JsonNode expected)
    {
        var networks = new List<string>();
        var volumes = new List<string>();
        Directory.CreateDirectory("/var/tmp/reconciler-backups");
        foreach (var (_, n) in expected["networks"]?.AsObject() ?? [])
        {
            if (n?["external"]?.GetValue<bool>() != true || n["name"]?.GetValue<string>() is not { } name) continue;
            var existing = await fx.Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = EngineFixture.Filter("name", $"^{name}$") });
            if (existing.Count > 0) continue;
            await fx.Client.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = name });
            networks.Add(name);
        }
        foreach (var (_, v) in expected["volumes"]?.AsObject() ?? [])
        {
            if (v?["external"]?.GetValue<bool>() != true || v["name"]?.GetValue<string>() is not { } name) continue;
            var existing = await fx.Client.Volumes.ListAsync(new VolumesListParameters { Filters = EngineFixture.Filter("name", $"^{name}$") });
            if (existing.Volumes?.Count > 0) continue;
            await fx.Client.Volumes.CreateAsync(new VolumesCreateParameters { Name = name });
            volumes.Add(name);
        }
        return (networks, volumes);
    }

    private async Task RemoveExternalsAsync((List<string> Networks, List<string> Volumes) created)
    {
        foreach (var n in created.Networks)
        {
            try { await fx.Client.Networks.DeleteNetworkAsync(n); }
            catch (global::Docker.DotNet.DockerApiException e) { output.WriteLine($"network {n} not removed: {e.Message}"); }
        }
        foreach (var v in created.Volumes)
        {
            try { await fx.Client.Volumes.RemoveAsync(v, force: true); }
            catch (global::Docker.DotNet.DockerApiException e) { output.WriteLine($"volume {v} not removed: {e.Message}"); }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
