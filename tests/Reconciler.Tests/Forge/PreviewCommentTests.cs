using System.Collections.Immutable;
using Reconciler.Core.Planning;
using Reconciler.Forge;

namespace Reconciler.Tests.Forge;

public sealed class PreviewCommentTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";

    [Fact]
    public void The_comment_starts_with_the_hidden_marker_of_the_host_and_holds_each_stacks_plan()
    {
        var plan = new Plan("shop", ImmutableArray<PlanAction>.Empty, ImmutableArray<PlanProblem>.Empty);
        var body = PreviewComment.Body("host1", Sha, [
            new StackPreview("shop", PreviewKind.Planned, plan),
            new StackPreview("api", PreviewKind.Invalid, Message: "api/compose.yaml:4:5: services.web: bad"),
        ]);
        Assert.StartsWith("<!-- reconciler:preview host=host1 -->\n", body);
        Assert.Contains("for 0123456 on `host1`", body);
        Assert.Contains("**shop**: no changes", body);
        Assert.Contains("shop: in sync", body);
        Assert.Contains("**api**: **invalid**", body);
        Assert.True(body.IndexOf("**api**", StringComparison.Ordinal) < body.IndexOf("**shop**", StringComparison.Ordinal), "stacks in name order");
    }

    [Fact]
    public void The_plan_status_fails_on_an_invalid_stack_and_otherwise_counts_the_changes()
    {
        var empty = new Plan("shop", ImmutableArray<PlanAction>.Empty, ImmutableArray<PlanProblem>.Empty);
        var invalid = PreviewComment.Status([new StackPreview("shop", PreviewKind.Planned, empty), new StackPreview("api", PreviewKind.Invalid, Message: "compose.yaml:4: bad")]);
        Assert.Equal(("reconciler/plan", CommitState.Failure, "invalid: compose.yaml:4: bad"), (invalid.Context, invalid.State, invalid.Description));
        var none = PreviewComment.Status([new StackPreview("shop", PreviewKind.Planned, empty)]);
        Assert.Equal((CommitState.Success, "no changes"), (none.State, none.Description));
    }
}
