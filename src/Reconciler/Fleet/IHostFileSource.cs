using Reconciler.Git;

namespace Reconciler.Fleet;

/// <summary>Where host files are read from: the fleet repo's mirror (a seam, so the watcher is tested without git).</summary>
public interface IHostFileSource
{
    /// <summary>The mirror's head of the branch; null before the first fetch.</summary>
    string? Head();

    /// <summary>The file's text at <paramref name="commit"/> (null: the commit has no such file) and the commit's message.</summary>
    /// <exception cref="GitException">the commit cannot be read</exception>
    (string? Text, string Message) Read(string commit, string path);
}

/// <summary>
/// Host files read from a fetched commit of the fleet repo's mirror, without writing them anywhere.
/// With the repo's <c>verify:</c> gate the head counts only when its signature is trusted (else the
/// last verified commit, else none): an unsigned commit cannot add a stack any more than deploy one.
/// </summary>
public sealed class MirrorHostFileSource(GitRepositoryMirror mirror, Daemon.HeadVerification? verification = null) : IHostFileSource
{
    // Stands for the commit's root: the file source maps absolute paths under it onto the tree.
    private const string Root = "/reconciler-fleet";

    public string? Head() => verification is null ? mirror.GetLocalHead() : verification.Deployable(mirror.GetLocalHead(), lastApplied: null);

    public (string? Text, string Message) Read(string commit, string path)
    {
        using var files = mirror.OpenCommit(commit, Root);
        return (files.ReadText($"{Root}/{path}"), mirror.GetMessage(commit));
    }

    /// <summary>Every file of the commit under <paramref name="folder"/>, repo-relative (for <c>validate --all-hosts</c>).</summary>
    public IReadOnlyList<string> List(string commit, string folder)
    {
        using var files = mirror.OpenCommit(commit, Root);
        var under = folder.Length == 0 ? Root : $"{Root}/{folder}";
        return [.. files.ListFiles(under).Select(f => f[(Root.Length + 1)..])];
    }
}
