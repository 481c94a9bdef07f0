using System.Text;
using Reconciler.Files;

namespace Reconciler.Tests.Files;

/// <summary>
/// The daemon's confinement against real symbolic links on disk. Every link points inside this
/// test's own temp directory, and the tests only read: a broken source cannot reach further.
/// </summary>
public sealed class ConfinedFileSourceTests : IDisposable
{
    private const string Secret = "TOKEN=outside-secret\n";
    private readonly string _t = Directory.CreateTempSubdirectory("confined-").FullName;

    private string T(string relative) => Path.Combine(_t, relative);
    private string Tree => T("tree");

    public ConfinedFileSourceTests()
    {
        Write("tree/compose.yaml", "services: {}\n");
        Write("tree/app/.env", "A=1\n");
        Write("tree/x/y/inside.txt", "inside\n");
        Write("outside/secret", Secret);
        Write("outside/deep/secret", Secret);
        Directory.CreateDirectory(T("outside/deep/dir"));
        Write("host/secret", "host\n");
        Write("hostdir/a.txt", "a\n");
        Write("hostdir-other/x", Secret);
    }

    public void Dispose() => Directory.Delete(_t, recursive: true);

    private void Write(string relative, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(T(relative))!);
        File.WriteAllText(T(relative), text);
    }

    private void Link(string relative, string target) => File.CreateSymbolicLink(T(relative), target);

    private ConfinedFileSource Source(params string[] hostFiles) => new("shop", Tree, hostFiles);

    private static void AssertAbsent(ConfinedFileSource fs, string path)
    {
        Assert.Null(fs.ReadText(path));
        Assert.Null(fs.ReadBytes(path));
        Assert.False(fs.FileExists(path));
        Assert.False(fs.DirectoryExists(path));
    }

    [Fact]
    public void Reads_files_inside_the_tree()
    {
        var fs = Source();

        Assert.Null(fs.Refusal(T("tree/app/.env")));
        Assert.Equal("A=1\n", fs.ReadText(T("tree/app/.env")));
        Assert.True(fs.FileExists(T("tree/compose.yaml")));
        Assert.True(fs.DirectoryExists(T("tree/app")));
    }

    [Fact]
    public void Refuses_a_path_climbing_out_with_dot_dot()
    {
        var fs = Source();
        var path = T("tree/app/../../outside/secret");

        Assert.StartsWith("resolves outside the stack's repository; ", fs.Refusal(path), StringComparison.Ordinal);
        Assert.Contains("host_files of stack \"shop\"", fs.Refusal(path), StringComparison.Ordinal);
        AssertAbsent(fs, path);
        AssertAbsent(fs, T("outside/secret"));
    }

    [Fact]
    public void Refuses_a_relative_link_leading_out()
    {
        Link("tree/up", "../outside/secret");
        var fs = Source();

        Assert.Contains("through a symbolic link", fs.Refusal(T("tree/up")), StringComparison.Ordinal);
        AssertAbsent(fs, T("tree/up"));
    }

    [Fact]
    public void Refuses_an_absolute_link_leading_out()
    {
        Link("tree/abs", T("outside/secret"));
        var fs = Source();

        Assert.NotNull(fs.Refusal(T("tree/abs")));
        AssertAbsent(fs, T("tree/abs"));
    }

    [Fact]
    public void Refuses_a_file_under_a_linked_directory_leading_out()
    {
        Link("tree/dirlink", T("outside"));
        var fs = Source();

        Assert.NotNull(fs.Refusal(T("tree/dirlink/secret")));
        AssertAbsent(fs, T("tree/dirlink/secret"));
        AssertAbsent(fs, T("tree/dirlink"));
    }

    [Fact]
    public void Refuses_a_chain_of_links_whose_last_leads_out()
    {
        Link("tree/c1", "c2");
        Link("tree/x/c2", "../../outside/secret");
        Link("tree/c2", "x/c2");
        var fs = Source();

        Assert.NotNull(fs.Refusal(T("tree/c1")));
        AssertAbsent(fs, T("tree/c1"));
    }

    [Fact]
    public void Takes_dot_dot_after_the_link_before_it_as_the_kernel_does()
    {
        // Lexically tree/x/jump/../secret is tree/x/secret; the kernel reads outside/deep/secret.
        Link("tree/x/jump", T("outside/deep/dir"));
        var fs = Source();
        var path = T("tree/x/jump/../secret");

        Assert.Contains("through a symbolic link", fs.Refusal(path), StringComparison.Ordinal);
        AssertAbsent(fs, path);
    }

    [Fact]
    public void Allows_a_link_that_leaves_and_comes_back_into_the_tree()
    {
        Link("tree/back", "../tree/x/y");
        var fs = Source();

        Assert.Null(fs.Refusal(T("tree/back/inside.txt")));
        Assert.Equal("inside\n", fs.ReadText(T("tree/back/inside.txt")));
    }

    [Fact]
    public void Refuses_a_loop_of_links_without_hanging()
    {
        Link("tree/l1", "l2");
        Link("tree/l2", "l1");
        var fs = Source();

        Assert.Contains("cannot be resolved", fs.Refusal(T("tree/l1")), StringComparison.Ordinal);
        AssertAbsent(fs, T("tree/l1/anything"));
    }

    [Fact]
    public void Reads_an_allowed_host_file_directly_and_through_a_link()
    {
        Link("tree/hostlink", T("host/secret"));
        var fs = Source(T("host/secret"));

        Assert.Null(fs.Refusal(T("host/secret")));
        Assert.Equal("host\n", fs.ReadText(T("tree/hostlink")));
        Assert.NotNull(fs.Refusal(T("host/other")));
    }

    [Fact]
    public void Reads_files_under_an_allowed_host_directory()
    {
        Link("tree/hdir", T("hostdir"));
        var fs = Source(T("hostdir"));

        Assert.Equal("a\n", fs.ReadText(T("hostdir/a.txt")));
        Assert.Equal("a\n", fs.ReadText(T("tree/hdir/a.txt")));
        Assert.Equal([T("tree/hdir/a.txt")], fs.ListFiles(T("tree/hdir")));
    }

    [Fact]
    public void An_allowed_directory_is_not_a_prefix_of_its_neighbours_names()
    {
        Link("tree/pref", T("hostdir-other/x"));
        var fs = Source(T("hostdir"));

        Assert.NotNull(fs.Refusal(T("hostdir-other/x")));
        AssertAbsent(fs, T("tree/pref"));
        AssertAbsent(fs, T("hostdir-other/x"));
    }

    [Fact]
    public void The_tree_may_itself_sit_behind_a_link()
    {
        Link("treelink", Tree);
        var fs = new ConfinedFileSource("shop", T("treelink"), []);

        Assert.Equal("A=1\n", fs.ReadText(T("treelink/app/.env")));
        Assert.NotNull(fs.Refusal(T("treelink/../outside/secret")));
    }

    [Fact]
    public void Lists_only_what_resolves_inside_and_survives_a_directory_loop()
    {
        Link("tree/x/up", "..");
        Link("tree/x/out", T("outside"));
        Link("tree/x/leak", T("outside/secret"));
        Link("tree/x/y/again", ".");
        var fs = Source();

        var listed = fs.ListFiles(T("tree/x")).ToList();

        Assert.Contains(T("tree/x/y/inside.txt"), listed);
        Assert.DoesNotContain(listed, p => p.Contains("/out", StringComparison.Ordinal) || p.EndsWith("leak", StringComparison.Ordinal));
        Assert.All(listed, p => Assert.DoesNotContain("outside-secret", Encoding.UTF8.GetString(fs.ReadBytes(p)!), StringComparison.Ordinal));
    }

    [Fact]
    public void Refuses_a_listing_of_a_directory_outside()
    {
        Assert.Empty(Source().ListFiles(T("outside")));
    }

    [Fact]
    public void A_device_is_never_read_even_when_allowed()
    {
        // /dev/null: a broken source returns an empty array at once instead of hanging on /dev/zero.
        var source = Source("/dev/null");

        Assert.Null(source.Refusal("/dev/null"));
        Assert.Null(source.ReadBytes("/dev/null"));
        Assert.Null(source.ReadText("/dev/null"));
        Assert.False(source.FileExists("/dev/null"));
        Assert.Null(source.FileLength("/dev/null"));
    }

    [Fact]
    public void Tells_the_size_of_a_file_before_it_is_read()
    {
        var source = Source();

        Assert.Equal("services: {}\n".Length, source.FileLength(T("tree/compose.yaml")));
        Assert.Null(source.FileLength(T("outside/secret")));
    }
}
