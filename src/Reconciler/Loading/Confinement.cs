using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Files;

namespace Reconciler.Loading;

/// <summary>
/// Which files a load may read: the first of the two things that tell a daemon's load from a
/// CLI run (<see cref="LoadPolicy"/>).
/// </summary>
internal abstract record Confinement
{
    private Confinement() { }

    /// <summary>The reader of the files this confinement allows.</summary>
    public abstract IFileSource FileSource();

    /// <summary>
    /// The CLI: any file the user running it may read, as <c>docker compose</c> reads them — the
    /// user chose the files and already has that access.
    /// </summary>
    public sealed record UserFiles : Confinement
    {
        public override IFileSource FileSource() => DiskFileSource.Instance;
    }

    /// <summary>
    /// The daemon and <c>validate</c>: the stack's rendered repo tree and the host paths its config
    /// lists, nothing else — the files come from whoever may push to the branch, and the daemon
    /// runs with more rights than they have.
    /// </summary>
    /// <param name="Stack">The stack's name, for the hint in a refusal.</param>
    /// <param name="TreeDirectory">The rendered repo tree.</param>
    /// <param name="HostFiles">The stack's <c>host_files</c>: absolute paths it may read besides the tree.</param>
    public sealed record RepoTree(string Stack, string TreeDirectory, ImmutableArray<string> HostFiles) : Confinement
    {
        public override IFileSource FileSource() => new ConfinedFileSource(Stack, TreeDirectory, HostFiles);
    }
}
