using System.Text;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Git.Tests.Infrastructure;

namespace Reconciler.Git.Tests;

[Collection(GitServersCollection.Name)]
public sealed class GitTreeFileSourceTests(GitServerFixture servers)
{
    private const string Root = "/var/lib/reconciler/checkouts/app";

    private const string Compose = """
        name: shop
        services:
          web:
            image: nginx:${TAG}
            env_file: web.env
            volumes:
              - ./config/nginx.conf:/etc/nginx/nginx.conf:ro
        """;

    private async Task<(GitRepositoryMirror Mirror, string Sha, OriginRepository Origin)> CommitProject()
    {
        var origin = servers.NewOrigin();
        origin.Symlink("config/link-inside", "nginx.conf");
        origin.Symlink("config/link-host", "/etc/passwd");
        origin.Symlink("config/link-escape", "../../../../../../etc/passwd");
        origin.Symlink("loop-a", "loop-b");
        origin.Symlink("loop-b", "loop-a");
        origin.Symlink("dirlink", "config");
        var sha = origin.Commit("project", new Dictionary<string, string?>
        {
            ["compose.yaml"] = Compose,
            [".env"] = "TAG=1.27\n",
            ["web.env"] = "GREETING=hello\n",
            ["config/nginx.conf"] = "worker_processes 1;\n",
            ["config/sub/deep.txt"] = "deep\n",
            ["bom.txt"] = "\uFEFFwith bom",
        });
        var mirror = new GitRepositoryMirror(servers.RemoteFor(Transport.FileUrl, origin), servers.NewDirectory());
        await mirror.FetchAsync();
        return (mirror, sha, origin);
    }

    [Fact]
    public async Task Reads_compose_yaml_and_env_from_the_commit_tree()
    {
        var (mirror, sha, _) = await CommitProject();
        using var files = mirror.OpenCommit(sha, Root);

        Assert.Equal(sha, files.Sha);
        Assert.Equal(Compose, files.ReadText($"{Root}/compose.yaml"));
        Assert.Equal("TAG=1.27\n", files.ReadText($"{Root}/.env"));
        Assert.Equal("TAG=1.27\n"u8.ToArray(), files.ReadBytes($"{Root}/.env"));
        Assert.Equal("with bom", files.ReadText($"{Root}/bom.txt"));
        Assert.True(files.FileExists($"{Root}/compose.yaml"));
        Assert.False(files.FileExists($"{Root}/config"));
        Assert.True(files.DirectoryExists(Root));
        Assert.True(files.DirectoryExists($"{Root}/config/"));
        Assert.False(files.DirectoryExists($"{Root}/compose.yaml"));
        Assert.Null(files.ReadText($"{Root}/missing.yaml"));
        Assert.Null(files.ReadText($"{Root}/config"));
        Assert.Null(files.ReadText($"{Root}/compose.yaml/x"));
        Assert.Equal(
            [$"{Root}/config/link-inside", $"{Root}/config/nginx.conf", $"{Root}/config/sub/deep.txt"],
            files.ListFiles($"{Root}/config"));
        Assert.Empty(files.ListFiles($"{Root}/nothing-here"));
    }

    [Fact]
    public async Task The_compose_loader_loads_a_project_from_a_commit()
    {
        var (mirror, sha, _) = await CommitProject();
        using var files = mirror.OpenCommit(sha, Root);

        var result = ComposeLoader.Load(new LoadOptions { WorkingDirectory = Root }, files);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal("shop", result.Project!.Name);
        Assert.Equal("1.27", result.Project.Environment["TAG"]);
        Assert.Equal(["web"], result.Project.ServiceNames);
        var web = result.Project.ServiceJson("web");
        Assert.Contains("nginx:1.27", web, StringComparison.Ordinal);
        Assert.Contains("hello", web, StringComparison.Ordinal);
        Assert.Contains($"{Root}/config/nginx.conf", web, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paths_outside_the_root_are_absent_even_when_they_exist_on_the_host()
    {
        var (mirror, sha, _) = await CommitProject();
        using var files = mirror.OpenCommit(sha, Root);

        Assert.True(File.Exists("/etc/passwd"));
        Assert.Null(files.ReadText("/etc/passwd"));
        Assert.Null(files.ReadBytes($"{Root}/../../../../../etc/passwd"));
        Assert.False(files.FileExists("/etc/passwd"));
        Assert.False(files.DirectoryExists("/etc"));
        Assert.Empty(files.ListFiles("/etc"));
        Assert.Null(files.ReadText(Root + "-other/compose.yaml")); // a sibling sharing the prefix
        Assert.Equal(Compose, files.ReadText("compose.yaml")); // relative paths start at the root
    }

    [Fact]
    public async Task Symlinks_resolve_inside_the_tree_and_are_absent_when_they_point_outside()
    {
        var (mirror, sha, _) = await CommitProject();
        using var files = mirror.OpenCommit(sha, Root);

        Assert.Equal("worker_processes 1;\n", files.ReadText($"{Root}/config/link-inside"));
        Assert.Equal("worker_processes 1;\n", files.ReadText($"{Root}/dirlink/nginx.conf"));
        Assert.True(files.DirectoryExists($"{Root}/dirlink"));
        Assert.Contains($"{Root}/dirlink/sub/deep.txt", files.ListFiles($"{Root}/dirlink"));
        Assert.Null(files.ReadText($"{Root}/config/link-host"));
        Assert.Null(files.ReadText($"{Root}/config/link-escape"));
        Assert.False(files.FileExists($"{Root}/loop-a"));
        Assert.DoesNotContain($"{Root}/loop-a", files.ListFiles(Root));
        Assert.DoesNotContain($"{Root}/dirlink", files.ListFiles(Root)); // directory links are not descended
    }

    [Fact]
    public async Task Each_source_reads_its_own_commit()
    {
        var (mirror, first, origin) = await CommitProject();
        var second = origin.Commit("change", new Dictionary<string, string?> { [".env"] = "TAG=1.28\n", ["web.env"] = null });
        await mirror.FetchAsync();

        using var old = mirror.OpenCommit(first, Root);
        using var now = mirror.OpenCommit(second, Root);

        Assert.Equal("TAG=1.27\n", old.ReadText($"{Root}/.env"));
        Assert.Equal("TAG=1.28\n", now.ReadText($"{Root}/.env"));
        Assert.True(old.FileExists($"{Root}/web.env"));
        Assert.False(now.FileExists($"{Root}/web.env"));
    }

    [Fact]
    public async Task One_source_can_be_read_from_many_threads()
    {
        var (mirror, sha, _) = await CommitProject();
        using var files = mirror.OpenCommit(sha, Root);

        var results = new string?[400];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            results[i] = (i % 4) switch
            {
                0 => files.ReadText($"{Root}/compose.yaml"),
                1 => Encoding.UTF8.GetString(files.ReadBytes($"{Root}/config/nginx.conf")!),
                2 => string.Join(",", files.ListFiles($"{Root}/config")),
                _ => files.FileExists($"{Root}/.env").ToString(),
            };
        });

        Assert.All(results.Where((_, i) => i % 4 == 0), r => Assert.Equal(Compose, r));
        Assert.All(results.Where((_, i) => i % 4 == 1), r => Assert.Equal("worker_processes 1;\n", r));
        Assert.All(results.Where((_, i) => i % 4 == 3), r => Assert.Equal("True", r));
    }
}
