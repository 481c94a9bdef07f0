namespace Reconciler.Daemon.Tests.Infrastructure;

/// <summary>
/// A bare repository playing the remote, plus a working clone to commit, revert and push from, both
/// with the real git CLI, isolated from the user's and the system's git config. (Adapted from
/// Reconciler.Git.Tests' OriginRepository.)
/// </summary>
internal sealed class GitOrigin
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

    public GitOrigin(string bareRepoPath, string workPath, string branch = "main")
    {
        BarePath = bareRepoPath;
        WorkPath = workPath;
        Branch = branch;
        Git(null, "init", "--quiet", "--bare", "--initial-branch", branch, BarePath);
        Git(null, "init", "--quiet", "--initial-branch", branch, WorkPath);
        Git(WorkPath, "remote", "add", "origin", BarePath);
    }

    public string BarePath { get; }
    public string WorkPath { get; }
    public string Branch { get; }

    /// <summary>Writes (or with null content deletes) files in the working clone and commits; pushes unless told not to. Returns the sha.</summary>
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

    /// <summary><c>git revert --no-edit SHA</c> and push. Returns the revert commit.</summary>
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

    public void Push() => Git(WorkPath, "push", "--quiet", "origin", $"HEAD:refs/heads/{Branch}");

    public static string Git(string? workDir, params string[] args) =>
        ProcessRunner.Check("git", args, workDir, GitEnv);
}
