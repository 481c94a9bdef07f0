using Reconciler.Configuration;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Guardrails;
using Reconciler.Core.Swarm;
using Reconciler.Loading;

namespace Reconciler.Daemon;

/// <summary>
/// How a configured stack is loaded, one answer for <c>run</c> and <c>validate</c>: the policy's
/// stack load (<see cref="LoadPolicy.ForStack"/>: files confined to the rendered repo tree and
/// <c>host_files</c>, an environment made only of what the daemon config gives the stack), and the
/// desired state built from it.
/// </summary>
internal static class StackLoading
{
    /// <param name="stack">The stack's config.</param>
    /// <param name="treeDirectory">The rendered repo tree: the boundary of what the stack's files may reach.</param>
    /// <param name="stackDirectory">The stack's folder inside the tree (its project directory).</param>
    /// <param name="processEnvironment">The daemon's environment; only the names in <c>pass_env</c> are taken from it.</param>
    public static LoadRequest For(
        StackConfig stack, string treeDirectory, string stackDirectory, IReadOnlyDictionary<string, string> processEnvironment) =>
        LoadPolicy.ForStack(stack, treeDirectory, stackDirectory, processEnvironment);

    /// <summary>
    /// Loads one commit of the stack and builds its desired state, the commit label set. Never throws:
    /// whatever goes wrong (a bug of ours, memory the limits did not foresee) becomes an error of the
    /// load, so the commit is recorded as failed instead of the daemon retrying or crashing on it.
    /// Run it on <see cref="LargeStackThread"/> (<see cref="CommitLoadCache"/> does).
    /// </summary>
    /// <param name="readFrom">Replaces the reader of the files (a plan preview reads the tree from git, not from disk).</param>
    public static LoadedCommit Load(StackConfig stack, string treeDirectory, string stackDirectory, string commit,
        IReadOnlyDictionary<string, string> processEnvironment, Func<IFileSource, IFileSource>? readFrom = null)
    {
        var (options, confined) = For(stack, treeDirectory, stackDirectory, processEnvironment);
        var files = readFrom is null ? confined : readFrom(confined);
        LoadResult loaded;
        try
        {
            loaded = ComposeLoader.Load(options, files);
            if (loaded.Project is null) return new LoadedCommit(loaded, null);
            var built = DesiredStateBuilder.Build(loaded.Project, files, new Dictionary<string, string> { [ComposeLabels.Commit] = commit });
            // Builds: what the engine's builder cannot do, or a context that cannot be read, makes the commit invalid.
            var (desired, buildErrors) = ServiceBuilds.Resolve(loaded.Project, built, files);
            if (desired is null) return new LoadedCommit(new LoadResult(null, [.. loaded.Diagnostics, .. buildErrors]), null);
            // The guardrails: a rule on deny (or a malformed exception) makes the commit invalid
            // like a compose error, with the offending key's file:line; warnings travel with it.
            var policy = GuardrailCheck.Evaluate(loaded.Project, desired, stack.Policy);
            if (policy.Refuses)
                return new LoadedCommit(new LoadResult(null, [.. loaded.Diagnostics, .. policy.RefusalDiagnostics]), null) { Policy = policy };
            if (stack.Engine == StackEngine.Swarm)
            {
                // The Swarm's own refusals (keys docker stack deploy refuses, a secret it cannot read)
                // make the commit invalid like a compose error; its warnings travel with the load.
                var swarm = SwarmStackConverter.Convert(loaded.Project, stack.ProjectName, files);
                var diagnostics = loaded.Diagnostics.AddRange(swarm.Diagnostics);
                if (swarm.Stack is null) return new LoadedCommit(new LoadResult(null, diagnostics), null) { Policy = policy };
                return new LoadedCommit(loaded with { Diagnostics = diagnostics }, desired) { Policy = policy, Swarm = swarm.Stack };
            }
            return new LoadedCommit(loaded, desired) { Policy = policy };
        }
        catch (Exception e) when (e is OutOfMemoryException or InsufficientExecutionStackException)
        {
            return Refused($"loading the commit needed more memory or stack than this host gives it ({e.GetType().Name}); lower the stack's limits: (README, \"Limits\") or simplify the files");
        }
        catch (Exception e)
        {
            return Refused($"internal error while loading the commit ({e.GetType().Name}); please report it with the compose files");
        }

        static LoadedCommit Refused(string message) => new(new LoadResult(null, [Diagnostic.Error(message)]), null);
    }

    /// <summary>The daemon's own environment, as <see cref="For"/> takes it.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment() => LoadPolicy.ProcessEnvironment();

    /// <summary>
    /// <see cref="Load"/> of a commit rendered elsewhere (<paramref name="renderedTree"/>, a scratch
    /// folder) as if it were rendered at <paramref name="treeDirectory"/>, the stack's tree: the files
    /// are read (and confined) where they are, every path of the result names the stack's tree, so the
    /// desired state equals the daemon's and a plan of it shows only what the commit changes
    /// (<c>reconciler plan --ref</c>, which decrypts sops files and so must render them).
    /// </summary>
    public static LoadedCommit LoadRendered(StackConfig stack, string treeDirectory, string renderedTree, string commit,
        IReadOnlyDictionary<string, string> processEnvironment)
    {
        var rendered = For(stack, renderedTree, StackDirectory(stack, renderedTree), processEnvironment).Files;
        return Load(stack, treeDirectory, StackDirectory(stack, treeDirectory), commit, processEnvironment,
            _ => new Files.RelocatedFileSource(rendered, treeDirectory, renderedTree));
    }

    /// <summary>The stack's folder (its <c>path</c>) inside a rendered tree.</summary>
    public static string StackDirectory(StackConfig stack, string treeDirectory) =>
        stack.Path == "." ? treeDirectory : Path.Combine(treeDirectory, stack.Path);
}
