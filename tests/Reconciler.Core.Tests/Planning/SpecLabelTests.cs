using System.Collections.Immutable;
using Reconciler.Core.Planning;

namespace Reconciler.Core.Tests.Planning;

public class SpecLabelTests
{
    private static readonly ImmutableSortedDictionary<string, string> Fields = new Dictionary<string, string>
    {
        ["image"] = "registry:5000/app:1.2",
        ["environment.LOG_LEVEL"] = "info",
        ["environment.GREETING"] = "grüß dich → \"hi\"",
        ["ports.0"] = "8080:80/tcp",
    }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    [Fact]
    public void Fields_survive_the_round_trip()
    {
        Assert.Equal(Fields, SpecLabel.Decode(SpecLabel.Encode(Fields))!);
    }

    [Fact]
    public void The_same_fields_encode_to_the_same_text_whatever_their_order()
    {
        var reversed = new Dictionary<string, string>(Fields.Reverse());

        Assert.Equal(SpecLabel.Encode(Fields), SpecLabel.Encode(reversed));
    }

    [Fact]
    public void The_label_is_versioned_base64url_text()
    {
        var label = SpecLabel.Encode(Fields);

        Assert.StartsWith("v1.", label, StringComparison.Ordinal);
        Assert.Matches("^v1\\.[A-Za-z0-9_-]+$", label);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v2.AAAA")]
    [InlineData("v1.not base64!")]
    [InlineData("v1.AAAAAAAA")]
    [InlineData("{\"image\":\"app\"}")]
    public void An_absent_or_unreadable_label_decodes_to_nothing(string? label)
    {
        Assert.Null(SpecLabel.Decode(label));
    }

    [Fact]
    public void Field_changes_are_listed_by_path()
    {
        var before = new Dictionary<string, string> { ["image"] = "app:1.0", ["environment.A"] = "1", ["environment.B"] = "2" };
        var after = new Dictionary<string, string> { ["image"] = "app:1.1", ["environment.B"] = "2", ["environment.C"] = "3" };

        Assert.Equal(
            ["environment.A: 1 → (unset)", "environment.C: (unset) → 3", "image: app:1.0 → app:1.1"],
            FieldChange.Diff(before, after).Select(c => c.ToString()));
    }
}
