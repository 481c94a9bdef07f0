using LibGit2Sharp;
using Reconciler.Core.Compose;

namespace Reconciler.Git;

/// <summary>
/// The loader's view of one commit: <see cref="RootDirectory"/> (a path that need not exist on disk)
/// stands for the root of the commit's tree. Nothing is read from the disk: a path outside the root
/// is absent, so a compose file in git cannot pull in host files. Symlinks in the tree are followed
/// within the tree only (see <see cref="CommitTree"/>); a link pointing outside is absent.
/// </summary>
/// <remarks>
/// Holds one open repository; calls are serialised by a lock, so one instance may be shared between
/// threads. Dispose it when done loading.
/// </remarks>
public sealed class GitTreeFileSource : IFileSource, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Repository _repository;
    private readonly CommitTree _tree;
    private readonly string _root;
    private bool _disposed;

    internal GitTreeFileSource(Repository repository, Commit commit, string rootDirectory)
    {
        _repository = repository;
        _tree = new CommitTree(commit.Tree);
        Sha = commit.Sha;
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        RootDirectory = _root;
    }

    /// <summary>The commit read.</summary>
    public string Sha { get; }

    /// <summary>The absolute path that maps to the tree's root.</summary>
    public string RootDirectory { get; }

    public string? ReadText(string path)
    {
        var bytes = ReadBytes(path);
        if (bytes is null)
        {
            return null;
        }
        // As File.ReadAllText: UTF-8 unless a byte order mark says otherwise, the mark dropped.
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    public byte[]? ReadBytes(string path)
    {
        lock (_lock)
        {
            if (Resolve(path) is not CommitTree.FileNode file)
            {
                return null;
            }
            using var content = file.Blob.GetContentStream();
            using var buffer = new MemoryStream((int)Math.Min(file.Blob.Size, int.MaxValue));
            content.CopyTo(buffer);
            return buffer.ToArray();
        }
    }

    public bool FileExists(string path)
    {
        lock (_lock)
        {
            return Resolve(path) is CommitTree.FileNode;
        }
    }

    public bool DirectoryExists(string path)
    {
        lock (_lock)
        {
            return Resolve(path) is CommitTree.DirectoryNode;
        }
    }

    public IEnumerable<string> ListFiles(string directory)
    {
        lock (_lock)
        {
            if (Resolve(directory) is not CommitTree.DirectoryNode dir)
            {
                return [];
            }
            // Listed under the path asked for, even when a symlink led to the directory.
            var asked = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory, _root));
            return _tree.ListFiles(dir)
                .Select(p => asked + "/" + (dir.Path.Length == 0 ? p : p[(dir.Path.Length + 1)..]))
                .ToList();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                _repository.Dispose();
            }
        }
    }

    /// <summary>The tree path for a path under the root, or null for anything outside it.</summary>
    internal string? ToTreePath(string path)
    {
        // Lexical, like the loader's own path handling; relative paths are taken from the root.
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path, _root));
        if (full == _root)
        {
            return "";
        }
        var prefix = _root == "/" ? "/" : _root + "/";
        return full.StartsWith(prefix, StringComparison.Ordinal) ? full[prefix.Length..] : null;
    }

    private CommitTree.Node? Resolve(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ToTreePath(path) is { } treePath ? _tree.Resolve(treePath) : null;
    }
}
