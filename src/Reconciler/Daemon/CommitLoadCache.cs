using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;

namespace Reconciler.Daemon;

/// <summary>
/// What loading one commit of a stack gave: the loader's result and, when it loaded, the desired
/// state and what the guardrails found in it (a refusal is in the result's errors).
/// </summary>
public sealed record LoadedCommit(LoadResult Result, DesiredProject? Desired)
{
    public Core.Guardrails.PolicyReport Policy { get; init; } = Core.Guardrails.PolicyReport.Empty;
    /// <summary>For a stack with <c>engine: swarm</c>: what docker stack deploy would create from the commit.</summary>
    public Core.Swarm.SwarmStack? Swarm { get; init; }
}

/// <summary>
/// The load of a stack's commits, kept so that drift passes plan against the same desired state
/// without reading and parsing the files again: a commit's files never change, so its load result
/// does not either — except for host files the stack may read (<c>host_files</c>), whose sizes and
/// modification times are part of the key so that a rotated host secret is picked up.
/// Holds the last few commits (the head, the last good one held while the head fails, a rollback
/// target). Loads run on a thread of their own with a large stack (<see cref="LargeStackThread"/>),
/// so that even an input the limits did not foresee cannot overflow the daemon's stack.
/// </summary>
public sealed class CommitLoadCache(int capacity = 4)
{
    private readonly object _gate = new();
    private readonly LinkedList<(string Key, LoadedCommit Loaded)> _entries = new();

    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>The cached load of <paramref name="commit"/> with this host-file fingerprint, or a fresh one.</summary>
    public async Task<LoadedCommit> GetAsync(string commit, string hostFilesFingerprint, Func<LoadedCommit> load, CancellationToken ct)
    {
        var key = commit + "\n" + hostFilesFingerprint;
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Key != key) continue;
                _entries.Remove(node);
                _entries.AddFirst(node); // most recently used first
                return node.Value.Loaded;
            }
        }
        var loaded = await LargeStackThread.RunAsync(load, ct).ConfigureAwait(false);
        lock (_gate)
        {
            _entries.AddFirst((key, loaded));
            while (_entries.Count > capacity) _entries.RemoveLast();
        }
        return loaded;
    }

    /// <summary>
    /// Size and modification time of every file under the stack's <c>host_files</c> (at most
    /// <paramref name="maxFiles"/> of them: past that the fingerprint stops growing, and a change
    /// there is picked up with the next commit).
    /// </summary>
    public static string HostFilesFingerprint(IEnumerable<string> hostFiles, int maxFiles = 1024)
    {
        var parts = new List<string>();
        foreach (var path in hostFiles)
        {
            if (File.Exists(path)) parts.Add(Describe(new FileInfo(path)));
            else if (Directory.Exists(path))
            {
                var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true };
                parts.AddRange(new DirectoryInfo(path).EnumerateFiles("*", options).Take(maxFiles).Select(Describe));
            }
            else parts.Add(path + " absent");
            if (parts.Count >= maxFiles) break;
        }
        return string.Join('\n', parts);

        static string Describe(FileInfo f) => FormattableString.Invariant($"{f.FullName} {f.Length} {f.LastWriteTimeUtc.Ticks}");
    }
}
