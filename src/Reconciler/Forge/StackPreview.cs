using Reconciler.Core.Planning;

namespace Reconciler.Forge;

/// <summary>How planning one stack at a request's head went.</summary>
public enum PreviewKind
{
    /// <summary>A plan against the live host.</summary>
    Planned,

    /// <summary>The commit would be refused (invalid files, a guardrail on deny, a blocked plan): the request is marked failing.</summary>
    Invalid,

    /// <summary>Not previewed, and not the request's fault (sops-encrypted stacks, for now).</summary>
    Skipped,

    /// <summary>The host could not be asked (engine, git): tried again at the next check.</summary>
    Unavailable,
}

/// <summary>One stack's preview at a request's head; <see cref="Message"/> is the error or why it was skipped.</summary>
public sealed record StackPreview(string Stack, PreviewKind Kind, Plan? Plan = null, string? Message = null);
