using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace Reconciler.Configuration;

/// <summary>
/// A stack's entry, read the same way from the daemon config's <c>stacks:</c> and from a host file's
/// (<see cref="ParseHostFile"/>); plus <c>host_id</c> and <c>fleet:</c>.
/// </summary>
public static partial class DaemonConfigReader
{
    /// <summary>The keys a stack has wherever it is declared: where its files are and how it converges.</summary>
    private static readonly string[] SharedStackKeys =
        ["name", "repo", "path", "files", "profiles", "env_files", "project", "prune", "self_heal",
         "drift_interval", "suspend", "health_timeout", "rollback", "variables", "engine"];

    /// <summary>
    /// Keys only the daemon config may give a stack: what it can read on the host, how much it may
    /// cost to load, which rules and keys apply. A host file is written by whoever can push, and the
    /// local config keeps the last word on these.
    /// </summary>
    private static readonly string[] LocalOnlyStackKeys = ["host_files", "pass_env", "limits", "policy", "age_key_file"];

    private static readonly string[] LocalStackKeys = [.. SharedStackKeys, .. LocalOnlyStackKeys];

    /// <summary>What a stack gets when it does not say: the fleet-wide <c>limits:</c> and <c>policy:</c>.</summary>
    private sealed record StackDefaults(Core.Compose.LoadLimits Limits, Core.Guardrails.GuardrailSettings Policy);

    /// <summary>
    /// The shared keys of one stack entry (<see cref="SharedStackKeys"/>), checked against the repos
    /// and the stacks read before it; null when the entry is too broken to name a stack.
    /// </summary>
    /// <param name="defaultRepo">The repo of a stack that names none (a host file's own repo); null: repo is required.</param>
    private static StackConfig? ReadStack(Ctx ctx, YamlMappingNode s, string p, IReadOnlyList<RepoConfig> repos, string? defaultRepo,
        IReadOnlyList<StackConfig> before, StackDefaults defaults, StackOrigin origin, string? repoHint = null)
    {
        var name = ctx.Required(s, "name", p);
        var repo = defaultRepo is null ? ctx.Required(s, "repo", p) : ctx.Str(s, "repo", p) ?? defaultRepo;
        if (name is null || repo is null) return null;
        var repoConfig = repos.FirstOrDefault(r => r.Name == repo);
        if (repoConfig is null) ctx.Error(s, p + ".repo", $"no repo named \"{repo}\" under repos:{repoHint}");
        if (before.Any(x => x.Name == name)) ctx.Error(s, p + ".name", $"duplicate stack name \"{name}\"");
        var project = ctx.Str(s, "project", p);
        var projectName = project ?? name;
        if (!Core.Compose.Loading.ProjectName.IsValid(projectName))
            ctx.Error(s, p + (project is null ? ".name" : ".project"), $"\"{projectName}\" is not a valid compose project name (lowercase letters, digits, - and _); set project:");
        var rollback = ctx.Str(s, "rollback", p) ?? "auto";
        if (rollback is not ("auto" or "off")) ctx.Error(s, p + ".rollback", "must be auto or off");
        var engine = ctx.Str(s, "engine", p) ?? "host";
        if (engine is not ("host" or "swarm")) ctx.Error(s, p + ".engine", "must be host or swarm");
        var path = (ctx.Str(s, "path", p) ?? ".").Trim('/');
        if (path.Split('/').Contains("..")) ctx.Error(s, p + ".path", "must stay inside the repo (no ..)");
        return new StackConfig
        {
            Name = name,
            Repo = repo,
            Path = path.Length == 0 ? "." : path,
            Files = [.. ctx.Strings(s, "files", p)],
            Profiles = [.. ctx.Strings(s, "profiles", p)],
            EnvFiles = [.. ctx.Strings(s, "env_files", p)],
            Project = project,
            Prune = ctx.Bool(s, "prune", p) ?? true,
            SelfHeal = ctx.Bool(s, "self_heal", p) ?? true,
            DriftInterval = ctx.Duration(s, "drift_interval", p) ?? TimeSpan.FromSeconds(60),
            Suspend = ctx.Bool(s, "suspend", p) ?? false,
            HealthTimeout = ctx.Duration(s, "health_timeout", p) ?? TimeSpan.FromMinutes(2),
            Rollback = rollback,
            Engine = engine == "swarm" ? StackEngine.Swarm : StackEngine.Host,
            Variables = ReadVariables(ctx, s, p),
            Limits = defaults.Limits,
            Policy = defaults.Policy,
            AgeKeyFile = repoConfig?.AgeKeyFile,
            Origin = origin,
        };
    }

    /// <summary><c>host_id</c>, else the machine's host name; null (after an error) when neither is a valid id.</summary>
    private static string? ReadHostId(Ctx ctx, YamlMappingNode root)
    {
        if (ctx.Str(root, "host_id", "") is { } id)
        {
            if (HostIds.Problem(id) is { } problem) { ctx.Error(ctx.Node(root, "host_id")!, "host_id", $"\"{id}\" {problem}"); return null; }
            return id;
        }
        var machine = HostIds.FromMachine();
        if (machine is null && ctx.Node(root, "fleet") is not null)
            ctx.Error(root, "host_id", "the machine's host name is not a valid host id: set host_id: (lowercase letters, digits, '-', '_', '.')");
        return machine;
    }

    /// <summary><c>fleet: {repo: NAME, path: "hosts/{host_id}.yaml"}</c>: the repo must be declared, the path stay inside it.</summary>
    private static FleetConfig? ReadFleet(Ctx ctx, YamlMappingNode root, IReadOnlyList<RepoConfig> repos)
    {
        if (ctx.Map(root, "fleet", "fleet") is not { } f) return null;
        ctx.Keys(f, "fleet", "repo", "path");
        var repo = ctx.Required(f, "repo", "fleet");
        if (repo is not null && repos.Count > 0 && !repos.Any(r => r.Name == repo))
            ctx.Error(f, "fleet.repo", $"no repo named \"{repo}\" under repos:");
        var path = (ctx.Str(f, "path", "fleet") ?? FleetConfig.DefaultPath).Trim('/');
        if (path.Length == 0 || path.Split('/').Contains("..") || path.EndsWith('/'))
            ctx.Error(ctx.Node(f, "path") ?? f, "fleet.path", "must name a file inside the repo (no ..), like hosts/{host_id}.yaml");
        return repo is null ? null : new FleetConfig { Repo = repo, PathTemplate = path };
    }
}
