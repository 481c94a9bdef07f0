using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Files;

namespace Reconciler.Tests.Files;

/// <summary>The CLI's view of the disk, as compose sees it.</summary>
public sealed class DiskFileSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("disk-source-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_dotenv_that_is_a_dangling_link_is_absent_as_compose_treats_it()
    {
        File.WriteAllText(Path.Combine(_dir, "compose.yaml"), "services:\n  a:\n    image: busybox:${TAG:-1}\n");
        File.CreateSymbolicLink(Path.Combine(_dir, ".env"), Path.Combine(_dir, "missing.env"));

        var loaded = ComposeLoader.Load(new LoadOptions { WorkingDirectory = _dir, Files = ["compose.yaml"] }, DiskFileSource.Instance);

        Assert.Empty(loaded.Errors);
        Assert.False(DiskFileSource.Instance.FileExists(Path.Combine(_dir, ".env")));
        Assert.Contains("busybox:1", loaded.Project!.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_a_file_is_a_file_and_a_link_to_a_directory_is_not()
    {
        File.WriteAllText(Path.Combine(_dir, "real.env"), "A=1\n");
        File.CreateSymbolicLink(Path.Combine(_dir, "file-link"), Path.Combine(_dir, "real.env"));
        Directory.CreateSymbolicLink(Path.Combine(_dir, "dir-link"), _dir);

        Assert.True(DiskFileSource.Instance.FileExists(Path.Combine(_dir, "file-link")));
        Assert.Equal("A=1\n", DiskFileSource.Instance.ReadText(Path.Combine(_dir, "file-link")));
        Assert.False(DiskFileSource.Instance.FileExists(Path.Combine(_dir, "dir-link")));
    }
}
