using System.Collections.Immutable;
using Reconciler.Core.Building;

namespace Reconciler.Core.Tests.Building;

/// <summary>The digest of a build's inputs: what makes a rebuild, and what does not.</summary>
public class BuildDigestTests
{
    private static readonly BuildSpec Spec = new() { Context = "/srv/shop/web", Dockerfile = "/srv/shop/web/Dockerfile" };

    private static readonly ContextEntry[] Files =
    [
        new("Dockerfile", ContextEntryKind.File, ContentSha256: "aa"),
        new("app", ContextEntryKind.Directory),
        new("app/run.sh", ContextEntryKind.File, Executable: true, ContentSha256: "bb"),
        new("current", ContextEntryKind.SymbolicLink, LinkTarget: "app"),
    ];

    private static string Digest(BuildSpec? spec = null, string dockerfile = "FROM busybox\n", IEnumerable<ContextEntry>? entries = null) =>
        BuildDigest.Of(spec ?? Spec, dockerfile, "Dockerfile", entries ?? Files);

    [Fact]
    public void The_same_inputs_give_the_same_digest_whatever_the_order_of_the_entries()
    {
        Assert.Equal(Digest(), Digest(entries: Enumerable.Reverse(Files)));
        Assert.Matches("^sha256:[0-9a-f]{64}$", Digest());
    }

    [Fact]
    public void The_same_files_in_another_folder_are_the_same_build()
    {
        var moved = Spec with { Context = "/elsewhere/web", Dockerfile = "/elsewhere/web/Dockerfile" };

        Assert.Equal(Digest(), Digest(moved));
    }

    public static TheoryData<string> Changes => ["content", "executable bit", "link target", "new file", "removed file", "dockerfile", "arg", "target", "label", "network", "extra host", "shm size", "no cache", "tag", "platform"];

    [Theory]
    [MemberData(nameof(Changes))]
    public void Any_change_of_an_input_changes_the_digest(string change)
    {
        var entries = Files.ToList();
        var spec = Spec;
        var dockerfile = "FROM busybox\n";
        switch (change)
        {
            case "content": entries[2] = entries[2] with { ContentSha256 = "cc" }; break;
            case "executable bit": entries[2] = entries[2] with { Executable = false }; break;
            case "link target": entries[3] = entries[3] with { LinkTarget = "app/run.sh" }; break;
            case "new file": entries.Add(new("app/new", ContextEntryKind.File, ContentSha256: "dd")); break;
            case "removed file": entries.RemoveAt(2); break;
            case "dockerfile": dockerfile = "FROM busybox\nRUN true\n"; break;
            case "arg": spec = spec with { Args = ImmutableSortedDictionary<string, string>.Empty.Add("V", "2") }; break;
            case "target": spec = spec with { Target = "runtime" }; break;
            case "label": spec = spec with { Labels = ImmutableSortedDictionary<string, string>.Empty.Add("team", "shop") }; break;
            case "network": spec = spec with { Network = "host" }; break;
            case "extra host": spec = spec with { ExtraHosts = ["mirror:10.0.0.5"] }; break;
            case "shm size": spec = spec with { ShmSize = 1024 }; break;
            case "no cache": spec = spec with { NoCache = true }; break;
            case "tag": spec = spec with { Tags = ["shop/web:latest"] }; break;
            case "platform": spec = spec with { Platform = "linux/arm64" }; break;
        }

        Assert.NotEqual(Digest(), Digest(spec, dockerfile, entries));
    }

    [Fact]
    public void An_empty_folder_makes_no_rebuild_as_git_keeps_no_folders()
    {
        Assert.Equal(Digest(), Digest(entries: [.. Files, new ContextEntry("empty", ContextEntryKind.Directory)]));
    }

    [Fact]
    public void Values_cannot_be_shifted_from_one_field_into_the_next()
    {
        var a = Spec with { Args = ImmutableSortedDictionary<string, string>.Empty.Add("A", "1\ntarget x") };
        var b = Spec with { Args = ImmutableSortedDictionary<string, string>.Empty.Add("A", "1"), Target = "x" };

        Assert.NotEqual(Digest(a), Digest(b));
    }
}
