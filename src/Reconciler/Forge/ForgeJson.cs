using System.Text.Json.Serialization;

namespace Reconciler.Forge;

/// <summary>GitHub's and Gitea's commit status body.</summary>
internal sealed record StatusBody(string State, string Description, string Context);

/// <summary>GitLab's commit status body: <c>name</c> is the context.</summary>
internal sealed record GitLabStatusBody(string State, string Name, string Description);

/// <summary>A comment or note to create or update.</summary>
internal sealed record CommentBody(string Body);

/// <summary>A comment or note as listed (only what finding ours needs).</summary>
internal sealed record CommentItem(long Id, string? Body);

/// <summary>A pull request as GitHub and Gitea list it.</summary>
internal sealed record PullItem(int Number);

/// <summary>A merge request as GitLab lists it: <c>iid</c> is its number in the project.</summary>
internal sealed record MergeRequestItem(int Iid);

/// <summary>Source-generated, so the native build talks to forges without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StatusBody))]
[JsonSerializable(typeof(GitLabStatusBody))]
[JsonSerializable(typeof(CommentBody))]
[JsonSerializable(typeof(List<CommentItem>))]
[JsonSerializable(typeof(List<PullItem>))]
[JsonSerializable(typeof(List<MergeRequestItem>))]
internal sealed partial class ForgeJson : JsonSerializerContext;
