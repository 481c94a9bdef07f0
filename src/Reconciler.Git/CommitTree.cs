using LibGit2Sharp;

namespace Reconciler.Git;

/// <summary>
/// Looks paths up in one commit's tree the way a filesystem would, symlinks included, but never
/// outside the tree: a link with an absolute target, or one whose target climbs above the tree's
/// root, resolves to nothing. Submodules (gitlinks) resolve to nothing too: their content is not
/// in this repository.
/// </summary>
internal sealed class CommitTree(Tree root)
{
    // Linux's limit for symlinks followed in one lookup (MAXSYMLINKS), which also ends loops.
    private const int MaxLinks = 40;

    public Tree Root { get; } = root;

    /// <summary>What a path names: a file (its blob), a directory (its tree), or nothing.</summary>
    public abstract record Node(string Path);

    public sealed record FileNode(string Path, Blob Blob, bool Executable) : Node(Path);

    public sealed record DirectoryNode(string Path, Tree Tree) : Node(Path);

    /// <summary>
    /// Resolves a path relative to the tree's root ("" is the root; "." and ".." components are
    /// allowed). <paramref name="followLastLink"/> false returns the symlink entry's own target as null.
    /// </summary>
    public Node? Resolve(string relativePath, bool followLastLink = true)
    {
        var pending = new LinkedList<string>(Split(relativePath));
        var names = new List<string>();
        var trees = new List<Tree> { Root };
        var links = 0;
        while (pending.First is { } first)
        {
            var name = first.Value;
            pending.RemoveFirst();
            if (name == ".")
            {
                continue;
            }
            if (name == "..")
            {
                if (names.Count == 0)
                {
                    return null; // above the root
                }
                names.RemoveAt(names.Count - 1);
                trees.RemoveAt(trees.Count - 1);
                continue;
            }
            var entry = trees[^1][name];
            if (entry is null)
            {
                return null;
            }
            switch (entry.Mode)
            {
                case Mode.Directory:
                    names.Add(name);
                    trees.Add((Tree)entry.Target);
                    break;
                case Mode.SymbolicLink:
                    if (pending.Count == 0 && !followLastLink)
                    {
                        return null;
                    }
                    if (++links > MaxLinks)
                    {
                        return null;
                    }
                    var target = ((Blob)entry.Target).GetContentText();
                    if (target.Length == 0 || target.StartsWith('/'))
                    {
                        return null; // absolute: would name a host path
                    }
                    // The target is relative to the link's directory, which is where we are.
                    foreach (var part in Split(target).Reverse())
                    {
                        pending.AddFirst(part);
                    }
                    break;
                case Mode.NonExecutableFile or Mode.NonExecutableGroupWritableFile or Mode.ExecutableFile:
                    if (pending.Count > 0)
                    {
                        return null; // a file used as a directory
                    }
                    names.Add(name);
                    return new FileNode(string.Join('/', names), (Blob)entry.Target, entry.Mode == Mode.ExecutableFile);
                default:
                    return null; // gitlink
            }
        }
        return new DirectoryNode(string.Join('/', names), trees[^1]);
    }

    /// <summary>
    /// Every file under a directory, recursively, as tree paths in ordinal order. A symlink is listed
    /// (under its own path) when it resolves to a file inside the tree; symlinks to directories are not
    /// descended into, so a link cycle cannot make the listing endless.
    /// </summary>
    public List<string> ListFiles(DirectoryNode directory)
    {
        var result = new List<string>();
        Walk(directory.Tree, directory.Path);
        result.Sort(StringComparer.Ordinal);
        return result;

        void Walk(Tree tree, string prefix)
        {
            foreach (var entry in tree)
            {
                var path = prefix.Length == 0 ? entry.Name : prefix + "/" + entry.Name;
                switch (entry.Mode)
                {
                    case Mode.Directory:
                        Walk((Tree)entry.Target, path);
                        break;
                    case Mode.NonExecutableFile or Mode.NonExecutableGroupWritableFile or Mode.ExecutableFile:
                        result.Add(path);
                        break;
                    case Mode.SymbolicLink when Resolve(path) is FileNode:
                        result.Add(path);
                        break;
                }
            }
        }
    }

    private static IEnumerable<string> Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
