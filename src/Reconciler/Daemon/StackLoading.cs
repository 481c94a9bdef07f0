using System.Collections.Immutable;
using Reconciler.Configuration;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Files;

namespace Reconciler.Daemon;

/// <summary>
/// How a configured stack is loaded, one answer for <c>run</c> and <c>validate</c>: the files
/// confined to the stack's rendered repo tree and its <c>host_files</c>, and an interpolation
/// environment made only of what the daemon config gives the stack.
/// </summary>
internal static class StackLoading
{
    /// <param name="stack">The stack's config.</param>
    /// <param name="treeDirectory">The rendered repo tree: the boundary of what the stack's files may reach.</param>
    /// <param name="stackDirectory">The stack's folder inside the tree (its project directory).</param>
    /// <param name="processEnvironment">The daemon's environment; only the names in <c>pass_env</c> are taken from it.</param>
    public static (LoadOptions Options, IFileSource Files) For(
        StackConfig stack, string treeDirectory, string stackDirectory, IReadOnlyDictionary<string, string> processEnvironment)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(processEnvironment);
        var options = new LoadOptions
        {
            WorkingDirectory = stackDirectory,
            ProjectDirectory = stackDirectory,
            // -p: the stack's project name is the config's, whatever COMPOSE_PROJECT_NAME says.
            ProjectName = stack.ProjectName,
            Files = [.. stack.Files],
            EnvFiles = [.. stack.EnvFiles],
            Profiles = [.. stack.Profiles],
            Environment = EnvironmentOf(stack, processEnvironment),
            HomeDirectory = processEnvironment.GetValueOrDefault("HOME"),
            Limits = stack.Limits,
        };
        return (options, new ConfinedFileSource(stack.Name, treeDirectory, stack.HostFiles));
    }

    /// <summary>
    /// Loads one commit of the stack and builds its desired state, the commit label set. Never throws:
    /// whatever goes wrong (a bug of ours, memory the limits did not foresee) becomes an error of the
    /// load, so the commit is recorded as failed instead of the daemon retrying or crashing on it.
    /// Run it on <see cref="LargeStackThread"/> (<see cref="CommitLoadCache"/> does).
    /// </summary>
    public static LoadedCommit Load(StackConfig stack, string treeDirectory, string stackDirectory, string commit,
        IReadOnlyDictionary<string, string> processEnvironment)
    {
        var (options, files) = For(stack, treeDirectory, stackDirectory, processEnvironment);
        LoadResult loaded;
        try
        {
            loaded = ComposeLoader.Load(options, files);
            if (loaded.Project is null) return new LoadedCommit(loaded, null);
            return new LoadedCommit(loaded, DesiredStateBuilder.Build(loaded.Project, files,
                new Dictionary<string, string> { [ComposeLabels.Commit] = commit }));
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

    /// <summary>
    /// The stack's "process environment" in compose's sense, so it wins over the stack's <c>.env</c>:
    /// <c>variables:</c> plus the <c>pass_env</c> names the daemon has set — never the daemon's whole
    /// environment (a variable holding the git token stays unset for the stack, and interpolates as
    /// compose interpolates an unset variable). The reader refuses a name in both lists.
    /// </summary>
    internal static ImmutableDictionary<string, string> EnvironmentOf(StackConfig stack, IReadOnlyDictionary<string, string> processEnvironment)
    {
        var env = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        env.AddRange(stack.Variables);
        foreach (var name in stack.PassEnv)
            if (processEnvironment.TryGetValue(name, out var value)) env[name] = value;
        return env.ToImmutable();
    }

    /// <summary>The daemon's own environment, as the dictionary <see cref="For"/> takes.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            env[(string)e.Key] = (string?)e.Value ?? "";
        return env;
    }
}
