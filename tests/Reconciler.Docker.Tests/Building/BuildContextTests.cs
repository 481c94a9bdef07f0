using Reconciler.Core.Building;
using Reconciler.Docker.Building;

namespace Reconciler.Docker.Tests.Building;

/// <summary>Reading a build context from disk: what is sent, and what changes its digest.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BuildContextTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reconciler-context-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string path, string content)
    {
        var full = Path.Combine(_dir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    private BuildSpec Spec(string dockerfile = "Dockerfile") => new() { Context = _dir, Dockerfile = Path.Combine(_dir, dockerfile) };

    private string Digest() => BuildContext.Read(Spec()).Digest;

    [Fact]
    public void Times_and_modes_other_than_the_executable_bit_do_not_change_the_digest_content_and_the_executable_bit_do()
    {
        Write("Dockerfile", "FROM busybox\n");
        Write("run.sh", "echo hi\n");
        var before = Digest();

        File.SetLastWriteTimeUtc(Path.Combine(_dir, "run.sh"), DateTime.UtcNow.AddDays(-3));
        File.SetUnixFileMode(Path.Combine(_dir, "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(before, Digest());

        File.SetUnixFileMode(Path.Combine(_dir, "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var executable = Digest();
        Assert.NotEqual(before, executable);

        Write("run.sh", "echo bye\n");
        Assert.NotEqual(executable, Digest());
    }

    [Fact]
    public void A_file_dockerignore_excludes_does_not_change_the_digest()
    {
        Write("Dockerfile", "FROM busybox\n");
        Write(".dockerignore", "*.log\n");
        var before = Digest();

        Write("debug.log", "noise");

        Assert.Equal(before, Digest());
    }

    [Fact]
    public void The_Dockerfile_and_dockerignore_are_sent_even_when_dockerignore_lists_them()
    {
        Write("docker/Dockerfile", "FROM busybox\n");
        Write(".dockerignore", "docker\n.dockerignore\n");
        Write("app.txt", "app");

        var context = BuildContext.Read(Spec("docker/Dockerfile"));

        Assert.Equal([".dockerignore", "app.txt", "docker/Dockerfile"], context.Entries.Where(e => e.Kind != ContextEntryKind.Directory).Select(e => e.Path));
        Assert.Equal("docker/Dockerfile", context.DockerfilePath);
        Assert.False(context.DockerfileAdded);
    }

    [Fact]
    public void A_symbolic_link_is_sent_as_a_link_and_never_followed()
    {
        Write("Dockerfile", "FROM busybox\n");
        File.CreateSymbolicLink(Path.Combine(_dir, "passwd"), "/etc/passwd");

        var entry = Assert.Single(BuildContext.Read(Spec()).Entries, e => e.Path == "passwd");

        Assert.Equal(ContextEntryKind.SymbolicLink, entry.Kind);
        Assert.Equal("/etc/passwd", entry.LinkTarget);
        Assert.Null(entry.ContentSha256);
    }

    [Fact]
    public void A_Dockerfile_outside_the_context_is_sent_inside_it()
    {
        var outside = Directory.CreateTempSubdirectory("reconciler-dockerfile-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "Dockerfile"), "FROM busybox\n");
            Write("app.txt", "app");

            var context = BuildContext.Read(new BuildSpec { Context = _dir, Dockerfile = Path.Combine(outside, "Dockerfile") });

            Assert.True(context.DockerfileAdded);
            Assert.Equal(BuildContext.AddedDockerfileName, context.DockerfilePath);
            Assert.Equal("FROM busybox\n", context.DockerfileText);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task The_tar_holds_the_entries_owned_by_root_with_git_modes()
    {
        Write("Dockerfile", "FROM busybox\n");
        Write("secret.env", "A=1\n");
        File.SetUnixFileMode(Path.Combine(_dir, "secret.env"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var context = BuildContext.Read(Spec());
        using var tar = new MemoryStream();

        await context.WriteTarAsync(tar, CancellationToken.None);

        tar.Position = 0;
        using var reader = new System.Formats.Tar.TarReader(tar);
        var entries = new List<System.Formats.Tar.TarEntry>();
        while (reader.GetNextEntry() is { } e) entries.Add(e);
        Assert.Equal(["Dockerfile", "secret.env"], entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal((0, 0), (e.Uid, e.Gid)));
        // Decrypted files are 0600 on disk; the image gets them as a git checkout would.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, entries[1].Mode);
    }
}
