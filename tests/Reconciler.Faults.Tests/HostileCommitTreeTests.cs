using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>
/// Issue 11: tree entries git itself never writes, crafted byte for byte and pushed (see
/// <see cref="RawTree"/>). Each test has a daemon of its own: an exporter that follows such names
/// deletes entries of every directory it climbs through, the daemon's own state included. The
/// climb is bounded by the layout of <see cref="BoundaryWorld"/> (state_dir five levels below the
/// test's folder, never more than <see cref="BoundaryWorld.MaxClimb"/> levels up, every path
/// checked before the push), so even that exporter stays inside the test's temporary folder.
/// </summary>
public sealed class HostileCommitTreeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_tree_entry_named_dotdot_is_refused_and_nothing_outside_the_stacks_tree_is_written_or_deleted()
    {
        await using var w = await BoundaryWorld.CreateAsync(output);
        await w.BeginAsync("tree entry ..");
        // A chain of ".." directories, the last holding a file: an exporter that follows them writes
        // the file MaxClimb levels above the tree (a/b/dotdot-written) and deletes every other entry
        // of each directory it passes (the stack's folder, stacks/, state_dir, c/, b/).
        const string leaf = "dotdot-written";
        w.AssertLandsInside(string.Concat(Enumerable.Repeat("../", BoundaryWorld.MaxClimb)) + leaf);
        var chain = await RawTree.TreeAsync(w.S.Git, [RawEntry.Blob(leaf, await RawTree.BlobAsync(w.S.Git, "written through ..\n"))]);
        for (var level = 1; level < BoundaryWorld.MaxClimb; level++) chain = await RawTree.TreeAsync(w.S.Git, [RawEntry.Tree("..", chain)]);
        var bad = await w.PushTreeAsync("a tree entry named ..", await w.RootTreeWithAsync(RawEntry.Tree("..", chain)));
        await w.ExpectRefusedAsync(bad, Reason.Saying(".."), OtherStack.Untouched);
        await w.ExpectNextGoodDeploysAsync([bad]);
        await w.EndAsync();
    }

    [Fact]
    public async Task Tree_entries_with_an_absolute_name_or_a_slash_in_the_name_are_refused_and_write_nothing_outside()
    {
        await using var w = await BoundaryWorld.CreateAsync(output);
        await w.BeginAsync("absolute and slashed entry names");
        var blob = await RawTree.BlobAsync(w.S.Git, "written through a name with a slash\n");

        // Absolute, but inside the test's own folder: never a name that points anywhere else.
        var absolute = Path.Combine(w.Outer, "abs-written");
        w.AssertLandsInside(absolute);
        var first = await w.PushTreeAsync("an absolute entry name", await w.RootTreeWithAsync(RawEntry.Blob(absolute, blob)));
        await w.ExpectRefusedAsync(first, Reason.Saying("abs-written"), OtherStack.Untouched);

        // Relative, climbing to a/b/c/slash-written (a file the test planted there).
        const string slashed = "x/../../../../../slash-written";
        w.AssertLandsInside(slashed);
        var second = await w.PushTreeAsync("an entry name climbing with slashes", await w.RootTreeWithAsync(RawEntry.Blob(slashed, blob)));
        await w.ExpectRefusedAsync(second, Reason.Saying("slash-written"), OtherStack.Untouched);

        await w.ExpectNextGoodDeploysAsync([first, second]);
        await w.EndAsync();
    }
}
