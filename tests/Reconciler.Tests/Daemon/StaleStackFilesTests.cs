using Microsoft.Extensions.Logging.Abstractions;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>Rendered files (possibly decrypted sops plaintext) go with the stack that needed them.</summary>
public sealed class StaleStackFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stale-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Tree(string stack)
    {
        var tree = Path.Combine(_dir, "state", "stacks", stack, "tree");
        Directory.CreateDirectory(tree);
        File.WriteAllText(Path.Combine(tree, "secrets.env"), "PASSWORD=plain\n");
        return tree;
    }

    [Fact]
    public void The_files_of_a_stack_no_longer_configured_are_removed_and_those_of_configured_stacks_kept()
    {
        var kept = Tree("shop");
        var gone = Tree("old");

        var removed = StaleStackFiles.Remove(Path.Combine(_dir, "state"), ["shop", "blog"], NullLogger.Instance);

        Assert.Equal(1, removed);
        Assert.True(File.Exists(Path.Combine(kept, "secrets.env")));
        Assert.False(Directory.Exists(Path.GetDirectoryName(gone)));
    }

    [Fact]
    public void A_link_in_the_stacks_folder_is_removed_as_a_link_and_its_target_is_left_alone()
    {
        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "not ours\n");
        Tree("shop");
        var link = Path.Combine(_dir, "state", "stacks", "linked");
        Directory.CreateSymbolicLink(link, outside);

        StaleStackFiles.Remove(Path.Combine(_dir, "state"), ["shop"], NullLogger.Instance);

        Assert.False(Path.Exists(link));
        Assert.True(File.Exists(Path.Combine(outside, "keep.txt")));
    }

    [Fact]
    public void A_state_dir_without_rendered_stacks_is_nothing_to_do() =>
        Assert.Equal(0, StaleStackFiles.Remove(Path.Combine(_dir, "nothing"), ["shop"], NullLogger.Instance));
}
