using Reconciler.Configuration;
using Reconciler.Core.Compose;
using Reconciler.Core.Desired;
using Reconciler.Daemon;
using Reconciler.Git;

namespace Reconciler.Cli;

/// <summary>
/// A commit of a configured stack's repo (the branch head, or any branch, pull request ref or sha)
/// fetched into a scratch mirror, rendered into a scratch tree and loaded exactly as the daemon would
/// (same load options, sops decryption, guardrails, the Swarm conversion of an <c>engine: swarm</c>
/// stack), as if rendered at the daemon's own tree. The daemon's mirrors, trees and state are only
/// read. The scratch directory (new, 0700) is removed on dispose. What <c>plan --stack</c> and
/// <c>apply --stack</c> start from.
/// </summary>
internal sealed class StackCheckout : IDisposable
{
    private readonly string _scratch;

    private StackCheckout(string scratch, DaemonConfig config, StackConfig stack)
    {
        _scratch = scratch;
        Config = config;
        Stack = stack;
    }

    public DaemonConfig Config { get; }
    public StackConfig Stack { get; }
    public LoadedCommit Load { get; private set; } = null!;
    /// <summary>The desired state, with what sops decrypted shown as digests.</summary>
    public DesiredProject Desired { get; private set; } = null!;
    /// <summary>The repo's <c>verify:</c> would refuse this commit as a head (said on stderr).</summary>
    public bool Refused { get; private set; }

    /// <summary>Null after saying why on stderr: an unknown stack or ref, a tree that cannot be rendered, a commit that does not load.</summary>
    public static async Task<StackCheckout?> OpenAsync(string configPath, string stackName, string? reference, string verb, CancellationToken ct)
    {
        var config = DaemonOptions.Load(configPath);
        if (config is null || !DaemonOptions.IsStack(config, stackName)) return null;
        var secretErrors = SecretFiles.Check(config);
        foreach (var e in secretErrors) Console.Error.WriteLine($"error: {e}");
        if (secretErrors.Count > 0) return null;
        var checkout = new StackCheckout(Directory.CreateTempSubdirectory("reconciler-plan-").FullName, config, config.Stacks.First(s => s.Name == stackName));
        try
        {
            if (await checkout.LoadAsync(reference, verb, ct)) return checkout;
        }
        catch
        {
            checkout.Dispose();
            throw;
        }
        checkout.Dispose();
        return null;
    }

    private async Task<bool> LoadAsync(string? reference, string verb, CancellationToken ct)
    {
        var stack = Stack;
        var repo = Config.Repos.First(r => r.Name == stack.Repo);
        var mirror = new GitRepositoryMirror(SecretSources.RemoteFor(repo), _scratch);
        FetchedRef target;
        try
        {
            if (reference is not null) target = await mirror.FetchRefAsync(reference, ct);
            else
            {
                var head = await mirror.FetchAsync(ct);
                target = new FetchedRef("refs/heads/" + repo.Branch, head.Sha, head.Commit);
            }
        }
        catch (GitException e)
        {
            Console.Error.WriteLine($"error: stack {stack.Name}: {e.Message}");
            return false;
        }
        var at = $"{repo.Name}@{target.Sha[..12]}";
        // stdout is the command's own output alone: what was checked out is said on stderr.
        Console.Error.WriteLine($"{verb} of stack {stack.Name} at {at} ({target.Reference}): {target.Commit.Subject}");

        if (repo.Verify is { } verify)
        {
            var verdict = Verification.CommitSignatureVerifier.Verify(target.Sha, mirror.ReadSignature(target.Sha), verify);
            if (!verdict.Trusted)
            {
                Console.Error.WriteLine($"verify: error: commit {target.Sha[..12]} would be refused as the head ({verdict.Reason}, signer {verdict.Signer ?? "none"}): {verdict.Message}");
                Refused = true;
            }
        }

        var daemonTree = StackReconciler.TreeDirectoryOf(Config.StateDir, stack.Name);
        var renderedTree = Path.Combine(_scratch, "stacks", stack.Name, "tree");
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
            return false;
        }
        if (tree is null || !Directory.Exists(StackLoading.StackDirectory(stack, tree)))
        {
            Console.Error.WriteLine($"error: stack {stack.Name}: folder {stack.Path} not found at {at}");
            return false;
        }

        // Loaded as if rendered at the daemon's own tree, so bind sources and labels compare equal.
        var commitLoad = await LargeStackThread.RunAsync(
            () => StackLoading.LoadRendered(stack, daemonTree, tree, target.Sha, StackLoading.ProcessEnvironment()), ct);
        string Relative(string text) => text.Replace(daemonTree + "/", "", StringComparison.Ordinal);
        foreach (var d in commitLoad.Result.Diagnostics)
            Console.Error.WriteLine($"{(d.Severity == Severity.Error ? "error" : "warning")}: stack {stack.Name}: {Relative(d.ToString())}");
        foreach (var f in commitLoad.Policy.Warnings)
            Console.Error.WriteLine($"policy: warning: {Relative(f.ToString())}");
        if (commitLoad.Desired is not { } desired) return false;
        // What sops decrypted stays out of the plan, as in the daemon's (the digests are keyed alike).
        Desired = sops is not null ? sops.Rendered.Redact(desired, daemonTree) : desired;
        Load = commitLoad;
        return true;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not remove the scratch directory {_scratch}: {e.Message}");
        }
    }
}
