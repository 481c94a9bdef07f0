namespace Reconciler.TestSupport;

/// <summary>
/// A bare repository playing the remote, plus a working clone to commit, revert and push from,
/// both with the real git CLI (isolated from the user's and the system's git config).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OriginRepository
{
    private static readonly Dictionary<string, string> GitEnv = new()
    {
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_AUTHOR_NAME"] = "Ada Tester",
        ["GIT_AUTHOR_EMAIL"] = "ada@example.test",
        ["GIT_COMMITTER_NAME"] = "Ada Tester",
        ["GIT_COMMITTER_EMAIL"] = "ada@example.test",
        ["GIT_TERMINAL_PROMPT"] = "0",
    };

    public OriginRepository(string bareRepoPath, string workPath, string branch = "main")
    {
        BarePath = bareRepoPath;
        WorkPath = workPath;
        Branch = branch;
        Git(null, "init", "--quiet", "--bare", "--initial-branch", branch, BarePath);
        // http-backend serves pushes too, but these tests push through the file system.
        Git(null, "init", "--quiet", "--initial-branch", branch, WorkPath);
        Git(WorkPath, "remote", "add", "origin", BarePath);
    }

    public string BarePath { get; }
    public string WorkPath { get; }
    public string Branch { get; }
    public string FileUrl => "file://" + BarePath;

    /// <summary>Writes (or with null content deletes) files in the working clone, commits and pushes. Returns the sha.</summary>
    public string Commit(string subject, IReadOnlyDictionary<string, string?> files, bool push = true)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(WorkPath, path);
            if (content is null)
            {
                File.Delete(full);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        Git(WorkPath, "add", "--all");
        Git(WorkPath, "commit", "--quiet", "--allow-empty", "-m", subject);
        if (push)
        {
            Push();
        }
        return Head();
    }

    /// <summary><c>git revert --no-edit SHA</c>, pushed unless told not to. Returns the revert commit.</summary>
    /// <summary>
    /// <see cref="Commit"/> with git configuration for this commit only (<c>-c key=value</c>), e.g. to
    /// sign it: <c>gpg.format=ssh</c>, <c>user.signingkey=…</c>, <c>commit.gpgsign=true</c>.
    /// </summary>
    public string CommitWith(IReadOnlyList<string> gitConfig, string subject, IReadOnlyDictionary<string, string?> files, bool push = true)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(WorkPath, path);
            if (content is null)
            {
                File.Delete(full);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        Git(WorkPath, "add", "--all");
        Git(WorkPath, [.. gitConfig.SelectMany(c => new[] { "-c", c }), "commit", "--quiet", "--allow-empty", "-m", subject], stdin: null);
        if (push)
        {
            Push();
        }
        return Head();
    }

    public string Revert(string sha, bool push = true)
    {
        Git(WorkPath, "revert", "--no-edit", sha);
        if (push)
        {
            Push();
        }
        return Head();
    }

    public string Head() => Git(WorkPath, "rev-parse", "HEAD").Trim();

    public void Push(bool force = false) =>
        Git(WorkPath, force
            ? new[] { "push", "--quiet", "--force", "origin", $"HEAD:refs/heads/{Branch}" }
            : new[] { "push", "--quiet", "origin", $"HEAD:refs/heads/{Branch}" });

    /// <summary>Rewrites history: resets the clone to <paramref name="sha"/> (the next commit then force-pushes over the old tip).</summary>
    public void ResetTo(string sha) => Git(WorkPath, "reset", "--quiet", "--hard", sha);

    public void Symlink(string path, string target)
    {
        var full = Path.Combine(WorkPath, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.CreateSymbolicLink(full, target);
    }

    public void MakeExecutable(string path) =>
        File.SetUnixFileMode(Path.Combine(WorkPath, path), (UnixFileMode)Convert.ToInt32("755", 8));

    /// <summary>Stages a file straight into the index (for names the file system cannot hold).</summary>
    public void AddToIndex(string path, string content)
    {
        var blob = Git(WorkPath, ["hash-object", "-w", "--stdin"], content).Trim();
        Git(WorkPath, "update-index", "--add", "--cacheinfo", $"100644,{blob},{path}");
    }

    /// <summary>Commits what is staged (without `add --all`) and pushes.</summary>
    public string CommitIndex(string subject)
    {
        Git(WorkPath, "commit", "--quiet", "-m", subject);
        Push();
        return Head();
    }

    /// <summary>
    /// Commits a tree built object by object, with names that git's own commands refuse to write
    /// ("..", ".git", "a/b"), on top of HEAD, and pushes it (the bare remote does not fsck). The
    /// working clone's files and index stay as they were, so the next <see cref="Commit"/> builds on
    /// the crafted commit with the clone's ordinary files.
    /// </summary>
    public string CommitCraftedTree(string subject, IReadOnlyList<CraftedEntry> entries) => CommitTreeObject(subject, WriteTree(entries));

    /// <summary>Commits a tree object written with <see cref="HashTree"/> on top of HEAD and pushes it.</summary>
    public string CommitTreeObject(string subject, string tree)
    {
        var parent = Git(WorkPath, "rev-parse", "HEAD").Trim();
        var sha = Git(WorkPath, "commit-tree", tree, "-p", parent, "-m", subject).Trim();
        Git(WorkPath, "update-ref", $"refs/heads/{Branch}", sha);
        Push();
        return sha;
    }

    private string WriteTree(IReadOnlyList<CraftedEntry> entries) =>
        HashTree([.. entries.Select(entry => entry.Children is { } children
            ? ("40000", entry.Name, WriteTree(children))
            : ("100644", entry.Name, HashBlob(entry.Content ?? "")))]);

    /// <summary>Writes a blob; returns its sha.</summary>
    public string HashBlob(string content) => Git(WorkPath, ["hash-object", "-w", "--stdin"], content).Trim();

    /// <summary>Writes a tree object of exactly these entries (mode "40000" for a tree, "100644" for a file), unchecked.</summary>
    public string HashTree(IReadOnlyList<(string Mode, string Name, string Sha)> entries)
    {
        using var body = new MemoryStream();
        foreach (var (mode, name, sha) in entries)
        {
            body.Write(System.Text.Encoding.UTF8.GetBytes($"{mode} {name}\0"));
            body.Write(Convert.FromHexString(sha));
        }
        // --literally: hash-object would otherwise run fsck's checks, which are what we are getting past.
        return ProcessRunner.CheckBinaryInput("git", ["hash-object", "-t", "tree", "-w", "--literally", "--stdin"], WorkPath, GitEnv, body.ToArray()).Trim();
    }

    public static string Git(string? workDir, params string[] args) => Git(workDir, args, stdin: null);

    public static string Git(string? workDir, string[] args, string? stdin) =>
        ProcessRunner.Check("git", args, workDir, GitEnv, stdin);
}

/// <summary>One entry of a crafted tree: a file with content, or a directory with children.</summary>
public sealed record CraftedEntry(string Name, string? Content = null, IReadOnlyList<CraftedEntry>? Children = null)
{
    public static CraftedEntry File(string name, string content) => new(name, content);
    public static CraftedEntry Directory(string name, params CraftedEntry[] children) => new(name, Children: children);
}
