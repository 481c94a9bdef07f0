using System.Text;
using Reconciler.State;

namespace Reconciler.Fleet;

/// <summary>
/// The host file last used, kept in <c>state_dir/fleet/</c> (0600 files in a 0700 folder): a daemon
/// started while the head's host file is broken, or before its first fetch, runs the stacks it ran
/// instead of none. Two files — the text as it was, and one line naming repo, file and commit — so
/// that an operator can read what the host last ran. Written to a temporary file and renamed over,
/// so a crash leaves the old record or the new one, never half of one.
/// </summary>
public sealed class LastGoodHostFile(string stateDir)
{
    private string Folder => Path.Combine(stateDir, "fleet");
    private string TextPath => Path.Combine(Folder, "host-file.yaml");
    private string SourcePath => Path.Combine(Folder, "host-file.source");

    /// <summary>What was recorded: the file's text and where it came from; null when nothing was (or it is unreadable).</summary>
    public (string Text, string Repo, string File, string Commit)? Read()
    {
        try
        {
            if (!File.Exists(SourcePath) || !File.Exists(TextPath)) return null;
            var parts = File.ReadAllText(SourcePath).Trim().Split(' ', 3);
            if (parts.Length != 3) return null;
            return (File.ReadAllText(TextPath), parts[0], parts[2], parts[1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Records <paramref name="load"/> as the last good host file; false when the disk refused (the daemon runs on regardless).</summary>
    public bool Write(HostFileLoad load)
    {
        try
        {
            PrivateFiles.EnsureDirectory(Folder);
            // Source first would name a commit whose text is not there yet: the text goes first.
            Replace(TextPath, load.Text ?? "");
            Replace(SourcePath, $"{load.Repo} {load.Commit} {load.File}\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Replace(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        PrivateFiles.Restrict(temp);
        File.Move(temp, path, overwrite: true);
    }
}
