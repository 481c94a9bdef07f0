using Reconciler.Configuration;
using Reconciler.Core.Planning;
using Reconciler.Daemon;
using Reconciler.Docker;
using Reconciler.Git;

namespace Reconciler.Forge;

/// <summary>
/// Plans a stack at any commit of its repo against the live host, changing nothing: the commit's
/// files are read from the mirror as if rendered at the stack's tree (so paths, bind mounts and the
/// config hash match a deploy of it), loaded as the daemon loads a stack (its variables, limits and
/// guardrails), and planned against what the engine runs now.
/// </summary>
public sealed class PreviewPlanner(StackConfig stack, GitRepositoryMirror mirror, IContainerEngine engine, string stateDir, TimeProvider time)
{
    public StackConfig Stack => stack;

    /// <summary>The stack's rendered tree path: not written by a preview, only stood for.</summary>
    public string TreeDirectory => Path.Combine(stateDir, "stacks", stack.Name, "tree");

    public async Task<StackPreview> PlanAsync(string sha, CancellationToken ct)
    {
        if (stack.AgeKeyFile is not null)
            return new StackPreview(stack.Name, PreviewKind.Skipped, Message: "not previewed: the stack decrypts sops files (age_key_file), which previews do not do yet");
        var tree = TreeDirectory;
        var stackDir = stack.Path == "." ? tree : Path.Combine(tree, stack.Path);
        LoadedCommit loaded;
        try
        {
            using var commit = mirror.OpenCommit(sha, tree);
            if (!commit.DirectoryExists(stackDir))
                return new StackPreview(stack.Name, PreviewKind.Invalid, Message: $"folder {stack.Path} does not exist in commit {sha[..Math.Min(7, sha.Length)]}");
            loaded = await LargeStackThread.RunAsync(() => StackLoading.Load(stack, tree, stackDir, sha, StackLoading.ProcessEnvironment(),
                confined => new PreviewFileSource(commit, confined, tree)), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is GitException or ArgumentException)
        {
            return new StackPreview(stack.Name, PreviewKind.Unavailable, Message: e.Message);
        }
        if (loaded.Desired is not { } desired)
            return new StackPreview(stack.Name, PreviewKind.Invalid,
                Message: string.Join("; ", loaded.Result.Errors.Select(e => e.ToString().Replace(tree + "/", "", StringComparison.Ordinal))));
        Plan plan;
        try
        {
            var observed = await engine.State.ReadAsync(desired.Name, Planner.WantedContainerNames(desired), ct,
                [.. desired.Networks.Values.Select(n => n.Name), .. desired.ExternalNetworks, .. desired.Volumes.Values.Select(v => v.Name), .. desired.ExternalVolumes])
                .ConfigureAwait(false);
            plan = Planner.Plan(desired, observed, new PlanOptions { Now = time.GetUtcNow(), RemoveOrphans = stack.Prune });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new StackPreview(stack.Name, PreviewKind.Unavailable, Message: $"the engine could not be read: {e.Message}");
        }
        if (plan.IsBlocked)
            return new StackPreview(stack.Name, PreviewKind.Invalid, plan,
                string.Join("; ", plan.Problems.Where(p => p.Severity == ProblemSeverity.Error).Select(p => p.ToString())));
        return new StackPreview(stack.Name, PreviewKind.Planned, plan);
    }
}
