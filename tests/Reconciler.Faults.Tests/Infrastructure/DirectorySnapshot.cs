using System.Security.Cryptography;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>
/// Every entry under a root (links not followed) with, for a file, its size, mtime and SHA-256, for
/// a link its target: two snapshots compared list what was created, changed or deleted in between.
/// Directory mtimes are left out (an entry created and removed again moves them without harm).
/// </summary>
public sealed class DirectorySnapshot
{
    private readonly SortedDictionary<string, string> _entries;

    private DirectorySnapshot(string root, SortedDictionary<string, string> entries)
    {
        Root = root;
        _entries = entries;
    }

    public string Root { get; }
    public int Count => _entries.Count;

    /// <summary>Takes one; <paramref name="skip"/> (full path) leaves out an entry and everything under it.</summary>
    public static DirectorySnapshot Take(string root, Func<string, bool> skip)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(new DirectoryInfo(root), root, skip, entries);
        return new DirectorySnapshot(root, entries);
    }

    /// <summary>"created x", "deleted y", "changed z (…)": empty when nothing differs.</summary>
    public IReadOnlyList<string> Differences(DirectorySnapshot after)
    {
        var list = new List<string>();
        foreach (var (path, before) in _entries)
        {
            if (!after._entries.TryGetValue(path, out var now)) list.Add($"deleted {path} ({before})");
            else if (now != before) list.Add($"changed {path} ({before} -> {now})");
        }
        foreach (var (path, now) in after._entries)
        {
            if (!_entries.ContainsKey(path)) list.Add($"created {path} ({now})");
        }
        return list;
    }

    private static void Walk(DirectoryInfo dir, string root, Func<string, bool> skip, SortedDictionary<string, string> entries)
    {
        FileSystemInfo[] children;
        try
        {
            children = dir.GetFileSystemInfos();
        }
        catch (DirectoryNotFoundException)
        {
            return; // deleted while we looked: the comparison says so
        }
        foreach (var e in children)
        {
            if (skip(e.FullName)) continue;
            var rel = Path.GetRelativePath(root, e.FullName);
            if (e.LinkTarget is { } target)
            {
                entries[rel] = "link -> " + target;
            }
            else if (e is DirectoryInfo d)
            {
                entries[rel] = "dir";
                Walk(d, root, skip, entries);
            }
            else if (e is FileInfo f)
            {
                try
                {
                    using var stream = new FileStream(f.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    var hash = Convert.ToHexString(SHA256.HashData(stream))[..16];
                    entries[rel] = $"file {f.Length} bytes, mtime {f.LastWriteTimeUtc:O}, sha256 {hash}";
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                }
            }
        }
    }
}
