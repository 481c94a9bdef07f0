using System.Text;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>One entry of a git tree object: mode (<c>100644</c>, <c>40000</c>), name, object id.</summary>
public sealed record RawEntry(string Mode, string Name, string Id)
{
    public const string File = "100644";
    public const string Directory = "40000";

    public static RawEntry Blob(string name, string id) => new(File, name, id);
    public static RawEntry Tree(string name, string id) => new(Directory, name, id);
}

/// <summary>
/// Tree objects git itself refuses to build (entries named <c>..</c>, names holding <c>/</c>), written
/// byte for byte with <c>git hash-object --literally</c> into a <see cref="GitRemote"/>'s clone, as a
/// hostile author would. A commit of one is pushed with <see cref="GitRemote.CommitTreeAsync"/>;
/// neither <c>git push</c> nor a bare repository without <c>receive.fsckObjects</c> checks it.
/// </summary>
public static class RawTree
{
    public static Task<string> BlobAsync(GitRemote git, string text) => WriteAsync(git, Encoding.UTF8.GetBytes(text), "blob");

    /// <summary>A tree of exactly these entries, in git's order (by name, a directory as if it ended in "/").</summary>
    public static Task<string> TreeAsync(GitRemote git, IEnumerable<RawEntry> entries)
    {
        var body = new MemoryStream();
        foreach (var e in entries.OrderBy(e => Encoding.UTF8.GetBytes(e.Name + (e.Mode == RawEntry.Directory ? "/" : "")), ByteOrder.Instance))
        {
            body.Write(Encoding.UTF8.GetBytes($"{e.Mode} {e.Name}\0"));
            body.Write(Convert.FromHexString(e.Id));
        }
        return WriteAsync(git, body.ToArray(), "tree");
    }

    /// <summary>
    /// The root entries of the clone's index: the last tree committed the ordinary way (a raw commit
    /// leaves the index alone), so that one hostile tree does not carry over into the next.
    /// </summary>
    public static async Task<IReadOnlyList<RawEntry>> IndexEntriesAsync(GitRemote git)
    {
        var tree = (await git.RunAsync("write-tree")).Trim();
        var listing = await git.RunAsync("ls-tree", "-z", tree);
        var entries = new List<RawEntry>();
        foreach (var line in listing.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // <mode> SP <type> SP <id> TAB <name>
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var head = line[..tab].Split(' ');
            entries.Add(new RawEntry(head[0] == "040000" ? RawEntry.Directory : head[0], line[(tab + 1)..], head[2]));
        }
        return entries;
    }

    private static async Task<string> WriteAsync(GitRemote git, byte[] content, string type)
    {
        // Beside the clone, not in it: the next `git add -A` must not pick it up.
        var scratch = Path.Combine(Path.GetDirectoryName(git.WorkPath)!, $"raw-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(scratch, content);
        try
        {
            return (await git.RunAsync("hash-object", "-t", type, "-w", "--literally", scratch)).Trim();
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
