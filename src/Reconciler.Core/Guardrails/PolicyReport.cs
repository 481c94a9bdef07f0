using System.Collections.Immutable;
using Reconciler.Core.Compose;

namespace Reconciler.Core.Guardrails;

/// <summary>What checking one commit's desired state against the guardrails found.</summary>
public sealed record PolicyReport
{
    public static PolicyReport Empty { get; } = new();

    /// <summary>Findings at <c>warn</c> or <c>deny</c>, by service then rule.</summary>
    public ImmutableArray<PolicyFinding> Findings { get; init; } = [];

    /// <summary>Findings a service's exception silenced: shown by <c>validate</c>, never counted.</summary>
    public ImmutableArray<AllowedFinding> Allowed { get; init; } = [];

    /// <summary>Malformed exceptions (no reason, an unknown rule): the commit is invalid, like a compose error.</summary>
    public ImmutableArray<Diagnostic> Errors { get; init; } = [];

    public IEnumerable<PolicyFinding> Denied => Findings.Where(f => f.Level == RuleLevel.Deny);
    public IEnumerable<PolicyFinding> Warnings => Findings.Where(f => f.Level == RuleLevel.Warn);

    /// <summary>The commit may not deploy: a rule on deny found something, or an exception is malformed.</summary>
    public bool Refuses => Errors.Length > 0 || Findings.Any(f => f.Level == RuleLevel.Deny);

    /// <summary>Everything that refuses the commit, as load errors (file:line first).</summary>
    public IEnumerable<Diagnostic> RefusalDiagnostics =>
        Errors.Concat(Denied.Select(f => Diagnostic.Error($"{f.Rule} (policy: deny): {f.Message}", f.Where, f.KeyPath)));
}
