using System.CommandLine;
using Reconciler.Configuration;
using Reconciler.Core.Compose.Loading;
using Reconciler.Daemon;
using Reconciler.Fleet;
using Reconciler.Git;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler validate</c>: the config, every stack's compose files, and with <c>fleet:</c> the
/// host files (this host's, one named, or every host's) and their stacks, without touching Docker.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = DaemonOptions.Config();
        var host = new Option<string[]>("--host")
        {
            Description = "With fleet: check this host's host file and its stacks instead of the config's host_id (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var allHosts = new Option<bool>("--all-hosts")
        {
            Description = "With fleet: check every host file in the fleet repo (for the config repo's CI)",
        };
        var command = new Command("validate", """
            Check the daemon's config file and load every stack's compose files from the head of its
            branch, exactly as the daemon would, without touching Docker. With fleet: also the host
            file of this host (host_id), of the hosts named by --host, or of every host (--all-hosts),
            with each stack it lists.

            Examples:
              reconciler validate --config /etc/reconciler/config.yaml
              reconciler validate --config ci.yaml --host web-1 --host web-2
              reconciler validate --config ci.yaml --all-hosts
            """);
        command.Options.Add(config);
        command.Options.Add(host);
        command.Options.Add(allHosts);
        command.SetAction(async (result, ct) =>
        {
            var cfg = DaemonOptions.Load(result.GetValue(config)!);
            if (cfg is null) return 1;
            var hosts = result.GetValue(host) ?? [];
            var everyHost = result.GetValue(allHosts);
            if ((hosts.Length > 0 || everyHost) && cfg.Fleet is null)
            {
                Console.Error.WriteLine($"error: {cfg.Path}: --host and --all-hosts need fleet: (the repo and path of the host files)");
                return 1;
            }
            foreach (var id in hosts.Where(h => HostIds.Problem(h) is not null))
            {
                Console.Error.WriteLine($"error: --host \"{id}\" {HostIds.Problem(id)}");
                return 1;
            }
            var secretErrors = SecretFiles.Check(cfg);
            foreach (var e in secretErrors) Console.Error.WriteLine($"error: {e}");
            var failed = secretErrors.Count > 0;
            // Validation fetches into a scratch directory: the daemon's mirrors are left alone. A new
            // one with an unpredictable name, 0700 (another user could otherwise plant or read it), and
            // removed however this ends: an exception, Ctrl-C, an early return.
            var scratch = Directory.CreateTempSubdirectory("reconciler-validate-").FullName;
            try
            {
                var heads = new Dictionary<string, (GitRepositoryMirror Mirror, string Sha)>(StringComparer.Ordinal);
                foreach (var repo in cfg.Repos)
                {
                    if (await FetchAsync(repo, scratch, ct) is not { } fetched) { failed = true; continue; }
                    heads[repo.Name] = fetched;
                }
                foreach (var stack in cfg.Stacks)
                    if (heads.TryGetValue(stack.Repo, out var head) && !await StackAsync(stack, head.Mirror, head.Sha, scratch, ct)) failed = true;
                if (cfg.Fleet is { } fleet)
                {
                    if (!heads.TryGetValue(fleet.Repo, out var fleetHead)) failed = true;
                    else if (!await HostFilesAsync(cfg, fleet, fleetHead, heads, hosts, everyHost, scratch, ct)) failed = true;
                }
            }
            finally
            {
                RemoveScratch(scratch);
            }
            if (!failed) Console.WriteLine($"{cfg.Path}: ok");
            return failed ? 1 : 0;
        });
        return command;
    }

    /// <summary>Fetches the repo into the scratch folder and checks the head's signature under <c>verify:</c>; null after saying why not.</summary>
    private static async Task<(GitRepositoryMirror Mirror, string Sha)?> FetchAsync(RepoConfig repo, string scratch, CancellationToken ct)
    {
        var mirror = new GitRepositoryMirror(SecretSources.RemoteFor(repo), scratch);
        FetchResult fetched;
        try
        {
            fetched = await mirror.FetchAsync(ct);
        }
        catch (GitException e)
        {
            Console.Error.WriteLine($"error: repo {repo.Name}: {e.Message}");
            return null;
        }
        if (repo.Verify is { } verify)
        {
            // The daemon would not deploy a head whose signature it does not trust: say so here too.
            var verdict = Verification.CommitSignatureVerifier.Verify(fetched.Sha, mirror.ReadSignature(fetched.Sha), verify);
            if (verdict.Trusted) Console.WriteLine($"repo {repo.Name}: head {fetched.Sha[..12]} {verdict.Message}");
            else
            {
                Console.Error.WriteLine($"error: repo {repo.Name}: head {fetched.Sha[..12]} refused by verify: ({verdict.Reason}, signer {verdict.Signer ?? "none"}): {verdict.Message}");
                return null;
            }
        }
        return (mirror, fetched.Sha);
    }

    /// <summary>
    /// The host files asked for at the fleet repo's head, each read as the daemon reads it (with the
    /// config standing in for that host), and every stack they list loaded from its repo's head.
    /// </summary>
    private static async Task<bool> HostFilesAsync(DaemonConfig cfg, FleetConfig fleet, (GitRepositoryMirror Mirror, string Sha) fleetHead,
        IReadOnlyDictionary<string, (GitRepositoryMirror Mirror, string Sha)> heads, IReadOnlyList<string> hosts, bool everyHost,
        string scratch, CancellationToken ct)
    {
        var source = new MirrorHostFileSource(fleetHead.Mirror);
        var ids = hosts.Count > 0 ? hosts : [cfg.HostId];
        if (everyHost)
        {
            var folder = Path.GetDirectoryName(fleet.PathTemplate) ?? "";
            ids = [.. source.List(fleetHead.Sha, folder).Select(fleet.HostIdOf).OfType<string>().Distinct().Order(StringComparer.Ordinal)];
            if (ids.Count == 0)
            {
                Console.Error.WriteLine($"error: no host file matches fleet.path {fleet.PathTemplate} at {fleet.Repo}@{fleetHead.Sha[..12]}");
                return false;
            }
        }
        var ok = true;
        foreach (var id in ids)
        {
            // Another host's file is checked against this config as that host's own would be: same repos, same local stacks.
            var asHost = cfg with { HostId = id };
            var file = fleet.HostFile(id);
            var (text, message) = source.Read(fleetHead.Sha, file);
            var load = HostFileLoad.Of(asHost, file, fleet.Repo, fleetHead.Sha, text, message);
            foreach (var e in load.Errors) Console.Error.WriteLine($"error: host {id}: {e}");
            if (load.HostFile is not { } hostFile) { ok = false; continue; }
            if (hostFile.Stacks.IsEmpty)
                Console.WriteLine($"host {id}: {file} lists no stacks (a daemon running other stacks from it refuses it unless the commit has \"{EmptyHostPermission.Trailer}: {id}\")");
            var hostOk = true;
            foreach (var stack in hostFile.Stacks)
            {
                if (!heads.TryGetValue(stack.Repo, out var head)) { hostOk = false; continue; }
                if (!await StackAsync(stack, head.Mirror, head.Sha, Path.Combine(scratch, "hosts", id), ct, $"host {id}: ")) hostOk = false;
            }
            ok &= hostOk;
            if (hostOk) Console.WriteLine($"host {id}: {file} ok ({hostFile.Stacks.Length} stacks at {fleet.Repo}@{fleetHead.Sha[..12]})");
        }
        return ok;
    }

    /// <summary>Renders and loads one stack at its repo's head as the daemon would; false after printing its errors.</summary>
    private static async Task<bool> StackAsync(StackConfig stack, GitRepositoryMirror mirror, string sha, string scratch, CancellationToken ct, string prefix = "")
    {
        string? tree;
        try
        {
            // With an age_key_file, sops files are decrypted as the daemon would (into the 0700 scratch folder).
            var sops = stack.AgeKeyFile is { } keyFile ? new Sops.SopsExportFilter(stack.Path, Sops.AgeIdentity.ReadFile(keyFile)) : null;
            tree = await mirror.MaterializeAsync(sha, "", Path.Combine(scratch, "stacks", stack.Name), sops, force: false, ct);
        }
        catch (Exception e) when (e is Sops.SopsException or GitException)
        {
            // A tree that could escape its directory (a ".." entry) is refused, nothing written.
            Console.Error.WriteLine($"error: {prefix}stack {stack.Name}: {e.Message}");
            return false;
        }
        var dir = tree is null ? null : stack.Path == "." ? tree : Path.Combine(tree, stack.Path);
        if (dir is null || !Directory.Exists(dir))
        {
            Console.Error.WriteLine($"error: {prefix}stack {stack.Name}: folder {stack.Path} not found at {stack.Repo}@{sha[..12]}");
            return false;
        }
        // The daemon's own load options: confined to the tree, with the stack's variables only.
        var commitLoad = await LargeStackThread.RunAsync(() => StackLoading.Load(stack, tree!, dir, sha, StackLoading.ProcessEnvironment()), ct);
        var loaded = commitLoad.Result;
        foreach (var d in loaded.Diagnostics)
            Console.Error.WriteLine($"{(d.Severity == Core.Compose.Severity.Error ? "error" : "warning")}: {prefix}stack {stack.Name}: {d.ToString().Replace(tree + "/", "", StringComparison.Ordinal)}");
        // Guardrails on warn: the commit deploys, and this is what status and metrics will show.
        foreach (var f in commitLoad.Policy.Warnings)
            Console.Error.WriteLine($"warning: {prefix}stack {stack.Name}: policy: {f.ToString().Replace(tree + "/", "", StringComparison.Ordinal)}");
        foreach (var a in commitLoad.Policy.Allowed)
            Console.Error.WriteLine($"allowed: {prefix}stack {stack.Name}: policy: {a.Finding.Rule} on {a.Finding.Service}: {a.Reason}");
        if (loaded.Project is null) return false;
        Console.WriteLine($"{prefix}{stack.Name}: ok ({loaded.Project.ServiceNames.Count()} services at {stack.Repo}@{sha[..12]})");
        return true;
    }

    private static void RemoveScratch(string scratch)
    {
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not remove the scratch directory {scratch}: {e.Message}");
        }
    }
}
