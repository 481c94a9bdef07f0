using System.Collections.Immutable;
using Reconciler.Configuration;
using Reconciler.Core.Compose;
using Reconciler.Core.Planning;
using Reconciler.Daemon;
using Reconciler.Docker;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler plan --stack NAME [--ref REF]</c>: a commit of a configured stack's repo (the
/// branch head, or any branch, pull request ref or sha) rendered and loaded exactly as the daemon
/// would (same load options, sops decryption, guardrails), planned against the live host. Changes
/// nothing: the commit is fetched into a scratch mirror and rendered into a scratch tree, both in a
/// new 0700 directory removed at the end; the daemon's mirrors, trees and state are only read.
/// Exit codes as <c>plan</c>: 0 in sync, 2 changes pending, 1 an error (unknown stack or ref, a
/// commit that does not load, a rule on deny, a signature <c>verify:</c> refuses).
/// </summary>
internal static class StackPlan
{
    public sealed record Request(string ConfigPath, string Stack, string? Ref, bool Json, string? DockerHost);

    public static async Task<int> RunAsync(Request request, CancellationToken ct)
    {
        var config = DaemonOptions.Load(request.ConfigPath);
        if (config is null || !DaemonOptions.IsStack(config, request.Stack)) return 1;
        var stack = config.Stacks.First(s => s.Name == request.Stack);
        var repo = config.Repos.First(r => r.Name == stack.Repo);
        var secretErrors = SecretFiles.Check(config);
        foreach (var e in secretErrors) Console.Error.WriteLine($"error: {e}");
        if (secretErrors.Count > 0) return 1;

        // As validate: a new directory with an unpredictable name, 0700, removed however this ends.
        var scratch = Directory.CreateTempSubdirectory("reconciler-plan-").FullName;
        try
        {
            var mirror = new GitRepositoryMirror(SecretSources.RemoteFor(repo), scratch);
            FetchedRef target;
            try
            {
                if (request.Ref is { } reference) target = await mirror.FetchRefAsync(reference, ct);
                else
                {
                    var head = await mirror.FetchAsync(ct);
                    target = new FetchedRef("refs/heads/" + repo.Branch, head.Sha, head.Commit);
                }
            }
            catch (GitException e)
            {
                Console.Error.WriteLine($"error: stack {stack.Name}: {e.Message}");
                return 1;
            }
            var at = $"{repo.Name}@{target.Sha[..12]}";
            // The plan alone goes to stdout (as plain `plan`): what was planned is said on stderr.
            Console.Error.WriteLine($"plan of stack {stack.Name} at {at} ({target.Reference}): {target.Commit.Subject}");

            var refused = false;
            if (repo.Verify is { } verify)
            {
                var verdict = Verification.CommitSignatureVerifier.Verify(target.Sha, mirror.ReadSignature(target.Sha), verify);
                if (!verdict.Trusted)
                {
                    Console.Error.WriteLine($"verify: error: commit {target.Sha[..12]} would be refused as the head ({verdict.Reason}, signer {verdict.Signer ?? "none"}): {verdict.Message}");
                    refused = true;
                }
            }

            var daemonTree = StackReconciler.TreeDirectoryOf(config.StateDir, stack.Name);
            var renderedTree = Path.Combine(scratch, "stacks", stack.Name, "tree");
            Sops.SopsExportFilter? sops;
            string? tree;
            try
            {
                sops = stack.AgeKeyFile is { } keyFile ? new Sops.SopsExportFilter(stack.Path, Sops.AgeIdentity.ReadFile(keyFile)) : null;
                tree = await mirror.MaterializeAsync(target.Sha, "", renderedTree, sops, force: false, ct);
            }
            catch (Exception e) when (e is Sops.SopsException or GitException)
            {
                Console.Error.WriteLine($"error: stack {stack.Name}: {e.Message}");
                return 1;
            }
            if (tree is null || !Directory.Exists(StackLoading.StackDirectory(stack, tree)))
            {
                Console.Error.WriteLine($"error: stack {stack.Name}: folder {stack.Path} not found at {at}");
                return 1;
            }

            // Loaded as if rendered at the daemon's own tree, so bind sources and labels compare equal.
            var commitLoad = await LargeStackThread.RunAsync(
                () => StackLoading.LoadRendered(stack, daemonTree, tree, target.Sha, StackLoading.ProcessEnvironment()), ct);
            string Relative(string text) => text.Replace(daemonTree + "/", "", StringComparison.Ordinal);
            foreach (var d in commitLoad.Result.Diagnostics)
                Console.Error.WriteLine($"{(d.Severity == Severity.Error ? "error" : "warning")}: stack {stack.Name}: {Relative(d.ToString())}");
            foreach (var f in commitLoad.Policy.Warnings)
                Console.Error.WriteLine($"policy: warning: {Relative(f.ToString())}");
            if (commitLoad.Desired is not { } desired) return 1;
            // What sops decrypted stays out of the plan, as in the daemon's (the digests are keyed alike).
            if (sops is not null) desired = sops.Rendered.Redact(desired, daemonTree);

            using var engine = DockerEngine.Connect(request.DockerHost ?? config.DockerHost);
            if (commitLoad.Swarm is { } swarmStack)
            {
                // engine: swarm: the plan against the Swarm this host manages, as the daemon would make it.
                using var swarm = new Docker.Swarm.SwarmEngine(engine.Endpoint, credentials: engine.Credentials);
                var swarmPlan = Core.Swarm.SwarmPlanner.Plan(swarmStack, await swarm.ObserveAsync(swarmStack, resolveImages: true, ct), stack.Prune);
                if (request.Json) Console.Error.WriteLine("warning: --json is not available for Swarm stacks yet; the plan is printed as text");
                Console.Out.Write(swarmPlan.ToString());
                return swarmPlan.IsBlocked || refused ? 1 : swarmPlan.Actions.IsEmpty ? 0 : 2;
            }
            var observed = await engine.State.ReadAsync(desired.Name, Planner.WantedContainerNames(desired), ct, StackSession.WantedResourceNames(desired));
            var plan = Planner.Plan(desired, observed, new PlanOptions
            {
                Now = DateTimeOffset.UtcNow,
                RemoveOrphans = stack.Prune,
                LastPulled = await LastPulledAsync(config, stack.Name, ct),
            });
            Console.Out.Write((request.Json ? plan.ToJson() : plan.ToString()) + "\n");
            return plan.IsBlocked || refused ? 1 : plan.IsEmpty ? 0 : 2;
        }
        finally
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

    /// <summary>
    /// When the daemon last pulled each of the stack's images (<c>pull_policy: daily</c> and the like
    /// are judged against it, as in the daemon's own plan); nothing when there is no state to read.
    /// </summary>
    private static async Task<ImmutableSortedDictionary<string, DateTimeOffset>> LastPulledAsync(DaemonConfig config, string stack, CancellationToken ct)
    {
        var empty = ImmutableSortedDictionary<string, DateTimeOffset>.Empty;
        if (!File.Exists(Path.Combine(config.StateDir, SqliteStateStoreOptions.DatabaseFileName))) return empty;
        try
        {
            using var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = config.StateDir }, TimeProvider.System);
            return (await store.GetStackAsync(stack, ct))?.LastPulled ?? empty;
        }
        catch (StateStoreUnavailableException)
        {
            return empty;
        }
    }
}
