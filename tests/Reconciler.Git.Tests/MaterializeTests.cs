using Reconciler.Git.Tests.Infrastructure;

namespace Reconciler.Git.Tests;

[Collection(GitServersCollection.Name)]
public sealed class MaterializeTests(GitServerFixture servers)
{
    private (OriginRepository Origin, GitRepositoryMirror Mirror, string Target) Setup()
    {
        var origin = servers.NewOrigin();
        var mirror = new GitRepositoryMirror(servers.RemoteFor(Transport.FileUrl, origin), servers.NewDirectory());
        var target = Path.Combine(servers.NewDirectory("checkouts"), "web");
        return (origin, mirror, target);
    }

    [Fact]
    public async Task Exports_a_stack_directory_with_modes_and_safe_symlinks()
    {
        var (origin, mirror, target) = Setup();
        origin.Symlink("stacks/web/current.conf", "conf/nginx.conf");
        origin.Symlink("stacks/web/host", "/etc/passwd");
        origin.Symlink("stacks/web/up", "../other/secret.txt");
        origin.Commit("stack", new Dictionary<string, string?>
        {
            ["stacks/web/compose.yaml"] = "services: {}\n",
            ["stacks/web/conf/nginx.conf"] = "conf\n",
            ["stacks/web/run.sh"] = "#!/bin/sh\n",
            ["stacks/other/secret.txt"] = "other stack\n",
        }, push: false);
        origin.MakeExecutable("stacks/web/run.sh");
        var sha = origin.Commit("exec bit", new Dictionary<string, string?>());
        await mirror.FetchAsync();

        var dir = await mirror.MaterializeAsync(sha, "stacks/web", target);

        Assert.Equal(target, dir);
        Assert.Equal("services: {}\n", File.ReadAllText(Path.Combine(target, "compose.yaml")));
        Assert.Equal("conf\n", File.ReadAllText(Path.Combine(target, "conf/nginx.conf")));
        Assert.Equal("conf\n", File.ReadAllText(Path.Combine(target, "current.conf")));
        Assert.Equal("conf/nginx.conf", new FileInfo(Path.Combine(target, "current.conf")).LinkTarget);
        Assert.False(Path.Exists(Path.Combine(target, "host")));
        Assert.False(Path.Exists(Path.Combine(target, "up")));
        Assert.True(File.GetUnixFileMode(Path.Combine(target, "run.sh")).HasFlag(UnixFileMode.UserExecute));
        Assert.False(File.GetUnixFileMode(Path.Combine(target, "compose.yaml")).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal($"{sha} stacks/web\n", File.ReadAllText(target + ".commit"));
        Assert.Equal([target, target + ".commit"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!).Order());
    }

    [Fact]
    public async Task A_new_commit_replaces_the_previous_export()
    {
        var (origin, mirror, target) = Setup();
        var first = origin.Commit("one", new Dictionary<string, string?> { ["compose.yaml"] = "one\n", ["old.txt"] = "old\n" });
        await mirror.FetchAsync();
        await mirror.MaterializeAsync(first, "", target);
        var second = origin.Commit("two", new Dictionary<string, string?> { ["compose.yaml"] = "two\n", ["old.txt"] = null, ["new.txt"] = "new\n" });
        await mirror.FetchAsync();

        await mirror.MaterializeAsync(second, "", target);

        Assert.Equal("two\n", File.ReadAllText(Path.Combine(target, "compose.yaml")));
        Assert.False(File.Exists(Path.Combine(target, "old.txt")));
        Assert.True(File.Exists(Path.Combine(target, "new.txt")));
        Assert.Equal([target, target + ".commit"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!).Order());
    }

    [Fact]
    public async Task A_new_commit_updates_the_export_in_place_keeping_directories_and_unchanged_files()
    {
        // Containers bind-mount directories of the export and hold on to their inodes: a commit
        // must change what is in them, never swap them for new ones.
        var (origin, mirror, target) = Setup();
        origin.Symlink("link", "compose.yaml");
        var first = origin.Commit("one", new Dictionary<string, string?>
        {
            ["compose.yaml"] = "one\n",
            ["site/index.html"] = "hello\n",
            ["site/keep.css"] = "css\n",
            ["conf/a.conf"] = "a\n",
            ["was-dir/x"] = "x\n",
            ["was-file"] = "f\n",
        });
        await mirror.FetchAsync();
        await mirror.MaterializeAsync(first, "", target);
        var before = new Dictionary<string, string>
        {
            ["."] = Inode(target),
            ["site"] = Inode(Path.Combine(target, "site")),
            ["site/keep.css"] = Inode(Path.Combine(target, "site/keep.css")),
        };

        File.Delete(Path.Combine(origin.WorkPath, "link"));
        origin.Symlink("link", "site/index.html");
        Directory.Delete(Path.Combine(origin.WorkPath, "was-dir"), recursive: true);
        File.Delete(Path.Combine(origin.WorkPath, "was-file"));
        var second = origin.Commit("two", new Dictionary<string, string?>
        {
            ["compose.yaml"] = "two\n",
            ["site/index.html"] = "hello again\n",
            ["conf/a.conf"] = null,
            ["was-dir"] = "now a file\n",
            ["was-file/inner"] = "now a directory\n",
            ["new/n.txt"] = "new\n",
        });
        await mirror.FetchAsync();
        await mirror.MaterializeAsync(second, "", target);

        Assert.Equal(before["."], Inode(target));
        Assert.Equal(before["site"], Inode(Path.Combine(target, "site")));
        Assert.Equal(before["site/keep.css"], Inode(Path.Combine(target, "site/keep.css")));
        Assert.Equal("two\n", File.ReadAllText(Path.Combine(target, "compose.yaml")));
        Assert.Equal("hello again\n", File.ReadAllText(Path.Combine(target, "site/index.html")));
        Assert.Equal("hello again\n", File.ReadAllText(Path.Combine(target, "link")));
        Assert.Equal("site/index.html", new FileInfo(Path.Combine(target, "link")).LinkTarget);
        Assert.False(Directory.Exists(Path.Combine(target, "conf/a.conf")) || File.Exists(Path.Combine(target, "conf/a.conf")));
        Assert.Equal("now a file\n", File.ReadAllText(Path.Combine(target, "was-dir")));
        Assert.Equal("now a directory\n", File.ReadAllText(Path.Combine(target, "was-file/inner")));
        Assert.Equal("new\n", File.ReadAllText(Path.Combine(target, "new/n.txt")));
        Assert.Equal(
            ["compose.yaml", "link", "new", "new/n.txt", "site", "site/index.html", "site/keep.css", "was-dir", "was-file", "was-file/inner"],
            Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(target, p)).Order(StringComparer.Ordinal));
        Assert.Equal($"{second} \n", File.ReadAllText(target + ".commit"));
        Assert.Equal([target, target + ".commit"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!).Order());
    }

    [Fact]
    public async Task An_export_without_its_marker_is_repaired_and_leftovers_of_the_old_swap_are_removed()
    {
        // What a crash in the middle of an export leaves: no marker, stray entries.
        var (origin, mirror, target) = Setup();
        var sha = origin.Commit("one", new Dictionary<string, string?> { ["compose.yaml"] = "one\n" });
        await mirror.FetchAsync();
        await mirror.MaterializeAsync(sha, "", target);
        File.Delete(target + ".commit");
        File.WriteAllText(Path.Combine(target, "compose.yaml"), "half written");
        File.WriteAllText(Path.Combine(target, ".reconciler-tmp-0123456789ab"), "staged");
        Directory.CreateDirectory(target + ".old");
        Directory.CreateDirectory($"{target}.tmp-{sha}");

        await mirror.MaterializeAsync(sha, "", target);

        Assert.Equal("one\n", File.ReadAllText(Path.Combine(target, "compose.yaml")));
        Assert.Equal([Path.Combine(target, "compose.yaml")], Directory.EnumerateFileSystemEntries(target));
        Assert.Equal([target, target + ".commit"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!).Order());
    }

    [Fact]
    public async Task Exporting_the_commit_already_in_place_writes_nothing()
    {
        var (origin, mirror, target) = Setup();
        var sha = origin.Commit("one", new Dictionary<string, string?> { ["compose.yaml"] = "one\n" });
        await mirror.FetchAsync();
        await mirror.MaterializeAsync(sha, "", target);
        var marker = Path.Combine(target, "written-by-test");
        File.WriteAllText(marker, "");

        await mirror.MaterializeAsync(sha, "", target);

        Assert.True(File.Exists(marker), "the directory was replaced although it already held this commit");
    }

    [Fact]
    public async Task A_failed_export_leaves_the_previous_version_in_place()
    {
        var (origin, mirror, target) = Setup();
        var good = origin.Commit("good", new Dictionary<string, string?> { ["compose.yaml"] = "good\n" });
        await mirror.FetchAsync();
        await mirror.MaterializeAsync(good, "", target);

        // A name longer than any Linux file system allows (255 bytes): git stores it, the disk cannot.
        origin.AddToIndex(new string('n', 300) + ".txt", "unwritable\n");
        origin.AddToIndex("compose.yaml", "bad\n");
        var bad = origin.CommitIndex("bad");
        await mirror.FetchAsync();

        await Assert.ThrowsAnyAsync<IOException>(() => mirror.MaterializeAsync(bad, "", target));

        Assert.Equal("good\n", File.ReadAllText(Path.Combine(target, "compose.yaml")));
        Assert.Equal([Path.Combine(target, "compose.yaml")], Directory.EnumerateFileSystemEntries(target)); // nothing staged is left
        Assert.Equal($"{good} \n", File.ReadAllText(target + ".commit"));
        Assert.Equal([target, target + ".commit"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!).Order());
    }

    private static string Inode(string path) => ProcessRunner.Check("stat", ["-c", "%i", path]).Trim();

    [Fact]
    public async Task A_path_the_commit_does_not_have_returns_null_and_touches_nothing()
    {
        var (origin, mirror, target) = Setup();
        var sha = origin.Commit("one", new Dictionary<string, string?> { ["compose.yaml"] = "one\n" });
        await mirror.FetchAsync();

        Assert.Null(await mirror.MaterializeAsync(sha, "stacks/missing", target));
        Assert.Null(await mirror.MaterializeAsync(sha, "compose.yaml", target));
        Assert.False(Path.Exists(target));
    }
}
