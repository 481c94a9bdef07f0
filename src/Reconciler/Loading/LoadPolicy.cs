using Reconciler.Configuration;
using Reconciler.Core.Compose;

namespace Reconciler.Loading;

/// <summary>
/// How every load is set up — the daemon's passes, <c>validate</c>, and the CLI's <c>config</c>,
/// <c>plan</c> and <c>apply</c> — in one place. A daemon's load and a CLI run differ in exactly two
/// named parameters: which files may be read (<see cref="Confinement"/>) and which variables
/// interpolate them (<see cref="EnvironmentSource"/>). Everything else — the compose flags, the
/// home directory for <c>~</c>, the limits — is set the same way for both.
/// </summary>
internal static class LoadPolicy
{
    /// <param name="arguments">The compose flags (or a stack's config read as flags).</param>
    /// <param name="confinement">Which files the load may read.</param>
    /// <param name="environment">What interpolates the files and wins over <c>.env</c>.</param>
    /// <param name="processEnvironment">The environment of the process doing the load.</param>
    public static LoadRequest For(ComposeArguments arguments, Confinement confinement, EnvironmentSource environment,
        IReadOnlyDictionary<string, string> processEnvironment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(confinement);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(processEnvironment);
        var options = new LoadOptions
        {
            Files = arguments.Files,
            ProjectName = arguments.ProjectName,
            ProjectDirectory = arguments.ProjectDirectory,
            WorkingDirectory = arguments.WorkingDirectory,
            EnvFiles = arguments.EnvFiles,
            Profiles = arguments.Profiles,
            Environment = environment.Resolve(processEnvironment),
            HomeDirectory = HomeDirectory(processEnvironment),
            Limits = arguments.Limits,
        };
        return new LoadRequest(options, confinement.FileSource());
    }

    /// <summary>The CLI: compose's behaviour — any file the user can read, the whole process environment.</summary>
    public static LoadRequest ForUser(ComposeArguments arguments, IReadOnlyDictionary<string, string> processEnvironment) =>
        For(arguments, new Confinement.UserFiles(), new EnvironmentSource.Process(), processEnvironment);

    /// <summary>
    /// A configured stack, for the daemon and <c>validate</c> alike: its config read as compose flags
    /// (<c>-p</c> is the config's project name, whatever <c>COMPOSE_PROJECT_NAME</c> or the file says),
    /// its files confined to the rendered tree and <c>host_files</c>, its variables only.
    /// </summary>
    /// <param name="treeDirectory">The rendered repo tree: the boundary of what the stack's files may reach.</param>
    /// <param name="stackDirectory">The stack's folder inside the tree (its project directory).</param>
    public static LoadRequest ForStack(StackConfig stack, string treeDirectory, string stackDirectory,
        IReadOnlyDictionary<string, string> processEnvironment)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var arguments = new ComposeArguments
        {
            WorkingDirectory = stackDirectory,
            ProjectDirectory = stackDirectory,
            ProjectName = stack.ProjectName,
            Files = stack.Files,
            EnvFiles = stack.EnvFiles,
            Profiles = stack.Profiles,
            Limits = stack.Limits,
        };
        var request = For(arguments, new Confinement.RepoTree(stack.Name, treeDirectory, stack.HostFiles),
            new EnvironmentSource.StackVariables(stack.Variables, stack.PassEnv), processEnvironment);
        // docker stack deploy creates every secret and config the file defines, mounted or not.
        return stack.Engine == StackEngine.Swarm
            ? request with { Options = request.Options with { KeepUnusedSecretsAndConfigs = true } }
            : request;
    }

    /// <summary>The environment of this process, as <see cref="For"/> takes it.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            env[(string)e.Key] = (string?)e.Value ?? "";
        return env;
    }

    /// <summary>
    /// compose's home for <c>~</c> (docker's homedir.Get): <c>HOME</c>, else the user's entry in the
    /// password database — whether the variables reach the files or not, <c>~</c> is the user's home.
    /// </summary>
    private static string? HomeDirectory(IReadOnlyDictionary<string, string> processEnvironment) =>
        processEnvironment.GetValueOrDefault("HOME") is { Length: > 0 } home
            ? home
            : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile) is { Length: > 0 } profile ? profile : null;
}
