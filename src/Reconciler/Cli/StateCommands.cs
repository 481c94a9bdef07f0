using Reconciler.Core.Policy;
using System.CommandLine;
using Reconciler.Configuration;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Cli;

/// <summary><c>status</c>, <c>history</c>, <c>suspend</c> and <c>resume</c>: read and flag the daemon's state store.</summary>
internal static class StateCommands
{
    private static async Task<SqliteStateStore?> OpenAsync(DaemonConfig config, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(config.StateDir, SqliteStateStoreOptions.DatabaseFileName)))
        {
            Console.Error.WriteLine($"no state yet in {config.StateDir}: has the daemon run?");
            return null;
        }
        var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = config.StateDir }, TimeProvider.System);
        await store.OpenAsync(ct);
        return store;
    }

    public static Command Status()
    {
        var config = DaemonOptions.Config();
        var command = new Command("status", """
            Show each stack: repo, branch, deployed commit, sync status, last result and error.

            Examples:
              reconciler status
              reconciler status --config config.sample.yaml
            """);
        command.Options.Add(config);
        command.SetAction(async (result, ct) =>
        {
            var cfg = DaemonOptions.Load(result.GetValue(config)!);
            if (cfg is null) return 1;
            using var store = await OpenAsync(cfg, ct);
            if (store is null) return 1;
            var repos = (await store.ListReposAsync(ct)).ToDictionary(r => r.Repo);
            var verdicts = VerifyHeads(cfg);
            foreach (var stack in cfg.Stacks)
            {
                var s = await store.GetStackAsync(stack.Name, ct) ?? StackState.Initial(stack.Name);
                var repo = cfg.Repos.First(r => r.Name == stack.Repo);
                repos.TryGetValue(repo.Name, out var rs);
                Console.WriteLine($"{stack.Name}");
                Console.WriteLine($"  repo:      {repo.Name} ({GitRedact(repo.Url)} {repo.Branch}), last fetch {rs?.LastFetchAt?.ToString("u") ?? "never"}");
                Console.WriteLine($"  deployed:  {Short(s.LastAppliedCommit)}   last good: {Short(s.LastGoodCommit)}");
                if (verdicts.GetValueOrDefault(repo.Name) is { Trusted: false } v)
                    Console.WriteLine($"  verify:    head {Short(v.Commit)} refused, not deployed ({v.Reason}, signer {v.Signer ?? "none"}): {v.Message}");
                Console.WriteLine($"  status:    {Status(s)}{(s.LastResult is { } r ? $", last result {r.Name()}" : "")}");
                if (s.DriftSummary is { } drift) Console.WriteLine($"  drift:     {drift}");
                if (s.LastError is { } e) Console.WriteLine($"  error:     {e}");
                foreach (var finding in s.PolicyFindings) Console.WriteLine($"  policy:    warning: {finding}");
                if (s.FailedCommits.Count > 0) Console.WriteLine($"  not retried until a newer commit: {string.Join(", ", s.FailedCommits.Select(Short))}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The verdict on each <c>verify:</c> repo's head as the daemon's mirror has it: the daemon keeps
    /// its refusals in memory (and /status), so the CLI checks the same head the same way.
    /// </summary>
    private static Dictionary<string, Verification.SignatureVerdict> VerifyHeads(DaemonConfig cfg)
    {
        var verdicts = new Dictionary<string, Verification.SignatureVerdict>(StringComparer.Ordinal);
        foreach (var repo in cfg.Repos)
        {
            if (repo.Verify is not { } verify) continue;
            try
            {
                // No fetch here, so no credentials are read.
                var mirror = new GitRepositoryMirror(new GitRemote { Name = repo.Name, Url = repo.Url, Branch = repo.Branch }, cfg.StateDir);
                if (mirror.GetLocalHead() is { } head)
                    verdicts[repo.Name] = Verification.CommitSignatureVerifier.Verify(head, mirror.ReadSignature(head), verify);
            }
            catch (GitException e)
            {
                Console.Error.WriteLine($"warning: repo {repo.Name}: could not check the head's signature: {e.Message}");
            }
        }
        return verdicts;
    }

    private static string Status(StackState s) => s.EffectiveStatus switch
    {
        SyncStatus.Synced => "in sync",
        SyncStatus.OutOfSync => "drifted",
        SyncStatus.Failed => "failed",
        SyncStatus.Suspended => "suspended",
        _ => "unknown",
    };

    private static string GitRedact(string url) => new GitRemote { Name = "", Url = url }.RedactedUrl;

    private static string Short(string? sha) => sha is null ? "-" : sha.Length > 12 ? sha[..12] : sha;

    public static Command History()
    {
        var config = DaemonOptions.Config();
        var stack = new Argument<string>("stack") { Description = "The stack's name" };
        var limit = new Option<int>("--limit", "-n") { Description = "How many deployments", DefaultValueFactory = _ => 20 };
        var command = new Command("history", """
            List a stack's deployments, newest first.

            Examples:
              reconciler history shop
              reconciler history shop -n 50 --config config.sample.yaml
            """);
        command.Arguments.Add(stack);
        command.Options.Add(config);
        command.Options.Add(limit);
        command.SetAction(async (result, ct) =>
        {
            var cfg = DaemonOptions.Load(result.GetValue(config)!);
            if (cfg is null || !DaemonOptions.IsStack(cfg, result.GetValue(stack)!)) return 1;
            using var store = await OpenAsync(cfg, ct);
            if (store is null) return 1;
            var page = await store.ListDeploymentsAsync(new DeploymentQuery { Stack = result.GetValue(stack)!, Limit = Math.Clamp(result.GetValue(limit), 1, DeploymentQuery.MaxLimit) }, ct);
            foreach (var d in page.Deployments)
            {
                var took = d.FinishedAt is { } f ? $"{(f - d.StartedAt).TotalSeconds:0.0}s" : "running";
                Console.WriteLine($"{d.StartedAt:u}  {Short(d.Commit)}  {d.Result?.Name() ?? "in progress",-11} {d.ActionCount,3} actions  {took,8}  {d.Trigger.Name(),-8} {d.Author}: {d.Subject}");
                if (d.Error is { } e) Console.WriteLine($"    {e}");
            }
            return 0;
        });
        return command;
    }

    public static Command Suspend(bool suspend)
    {
        var config = DaemonOptions.Config();
        var stack = new Argument<string>("stack") { Description = "The stack's name" };
        var command = new Command(suspend ? "suspend" : "resume", suspend
            ? """
              Stop deploys and self-heal for a stack (drift is still reported), e.g. for maintenance.

              Examples:
                reconciler suspend shop
              """
            : """
              Resume deploys and self-heal for a suspended stack.

              Examples:
                reconciler resume shop
              """);
        command.Arguments.Add(stack);
        command.Options.Add(config);
        command.SetAction(async (result, ct) =>
        {
            var cfg = DaemonOptions.Load(result.GetValue(config)!);
            if (cfg is null) return 1;
            var name = result.GetValue(stack)!;
            if (!DaemonOptions.IsStack(cfg, name)) return 1;
            PrivateFiles.EnsureDirectory(cfg.StateDir);
            using var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = cfg.StateDir }, TimeProvider.System);
            await store.OpenAsync(ct);
            await store.UpdateStackAsync(name, (s, _) => suspend ? s.Suspend() : s.Resume(), ct);
            Console.WriteLine($"{name}: {(suspend ? "suspended" : "resumed")}");
            return 0;
        });
        return command;
    }
}
