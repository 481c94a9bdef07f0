using System.Collections.Immutable;

namespace Reconciler.Loading;

/// <summary>
/// What a load takes as compose's "process environment" (the variables that interpolate the files
/// and win over <c>.env</c>): the second of the two things that tell a daemon's load from a CLI
/// run (<see cref="LoadPolicy"/>).
/// </summary>
internal abstract record EnvironmentSource
{
    private EnvironmentSource() { }

    /// <summary>The variables, given the environment of the process doing the load.</summary>
    public abstract ImmutableDictionary<string, string> Resolve(IReadOnlyDictionary<string, string> processEnvironment);

    /// <summary>The CLI: the whole process environment, as <c>docker compose</c> takes it.</summary>
    public sealed record Process : EnvironmentSource
    {
        public override ImmutableDictionary<string, string> Resolve(IReadOnlyDictionary<string, string> processEnvironment) =>
            processEnvironment.ToImmutableDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The daemon and <c>validate</c>: the stack's <c>variables:</c> plus the <c>pass_env</c> names the
    /// daemon has set — never the daemon's whole environment (a variable holding the git token stays
    /// unset for the stack, and interpolates as compose interpolates an unset variable). The config
    /// reader refuses a name in both lists.
    /// </summary>
    public sealed record StackVariables(ImmutableDictionary<string, string> Variables, ImmutableArray<string> PassEnv) : EnvironmentSource
    {
        public override ImmutableDictionary<string, string> Resolve(IReadOnlyDictionary<string, string> processEnvironment)
        {
            var env = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            env.AddRange(Variables);
            foreach (var name in PassEnv)
                if (processEnvironment.TryGetValue(name, out var value)) env[name] = value;
            return env.ToImmutable();
        }
    }
}
