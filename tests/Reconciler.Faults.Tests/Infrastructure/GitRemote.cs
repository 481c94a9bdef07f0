namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>
/// A bare repository on disk (what the daemon watches) and a working clone the test commits in
/// and pushes from, as a developer would.
/// </summary>
public sealed class GitRemote
{
    private GitRemote(string bare, string work)
    {
        BarePath = bare;
        WorkPath = work;
    }

    public string BarePath { get; }
    public string WorkPath { get; }

    /// <summary>Where the bare repository sits while <see cref="MoveAway"/> has it hidden.</summary>
    public string AwayPath => BarePath + ".away";

    public static async Task<GitRemote> CreateAsync(string directory)
    {
        var bare = Path.Combine(directory, "remote.git");
        var work = Path.Combine(directory, "work");
        await Git(directory, "init", "-q", "--bare", "-b", "main", bare);
        await Git(directory, "init", "-q", "-b", "main", work);
        await Git(work, "remote", "add", "origin", bare);
        return new GitRemote(bare, work);
    }

    /// <summary>Writes (or, for a null content, deletes) files, commits them all and pushes; returns the commit.</summary>
    public async Task<string> CommitAsync(string message, IReadOnlyDictionary<string, string?> files)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(WorkPath, path);
            if (content is null)
            {
                if (File.Exists(full)) File.Delete(full);
                else if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }
        await Git(WorkPath, "add", "-A");
        await Git(WorkPath, "-c", "user.name=ftest", "-c", "user.email=ftest@example.invalid", "commit", "-q", "--allow-empty", "-m", message);
        await Git(WorkPath, "push", "-q", "origin", "HEAD:main");
        return await HeadAsync();
    }

    public async Task<string> HeadAsync() => (await Git(WorkPath, "rev-parse", "HEAD")).Trim();

    /// <summary>git in the working clone; returns stdout, throws unless it exits 0.</summary>
    public Task<string> RunAsync(params string[] args) => Git(WorkPath, args);

    /// <summary>
    /// Commits <paramref name="tree"/> (an object already in the clone, see <see cref="RawTree"/>) on top
    /// of HEAD and pushes it; the clone's index is left as it was, so the next <see cref="CommitAsync"/>
    /// builds on the index (the last tree committed normally) with this commit as its parent.
    /// </summary>
    public async Task<string> CommitTreeAsync(string tree, string message)
    {
        var commit = (await Git(WorkPath, "-c", "user.name=ftest", "-c", "user.email=ftest@example.invalid",
            "commit-tree", tree, "-p", "HEAD", "-m", message)).Trim();
        await Git(WorkPath, "push", "-q", "origin", commit + ":refs/heads/main");
        await Git(WorkPath, "reset", "-q", "--soft", commit);
        return commit;
    }

    /// <summary>Writes one commit's tree into a fresh directory (what the daemon rendered).</summary>
    public async Task ExportAsync(string commit, string directory)
    {
        Directory.CreateDirectory(directory);
        var tar = Path.Combine(Path.GetDirectoryName(directory.TrimEnd('/'))!, Path.GetFileName(directory.TrimEnd('/')) + ".tar");
        await Git(WorkPath, "archive", "-o", tar, commit);
        await Sh.OkAsync("tar", ["-xf", tar, "-C", directory]);
        File.Delete(tar);
    }

    /// <summary>The remote becomes unreachable: its directory is renamed away.</summary>
    public void MoveAway() => Directory.Move(BarePath, AwayPath);

    public void MoveBack() => Directory.Move(AwayPath, BarePath);

    private static Task<string> Git(string cwd, params string[] args) =>
        Sh.OkAsync("git", args, cwd, new Dictionary<string, string?>
        {
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["HOME"] = cwd,
        });
}
