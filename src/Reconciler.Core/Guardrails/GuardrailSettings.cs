using System.Collections.Immutable;

namespace Reconciler.Core.Guardrails;

/// <summary>
/// How a stack's commits are checked: a level per rule (fleet-wide <c>policy:</c> in the daemon
/// config, overridden rule by rule by a stack's own <c>policy:</c>) and the options of the rules.
/// A rule not named has <see cref="DefaultLevel"/>.
/// </summary>
public sealed record GuardrailSettings
{
    /// <summary>Every rule reports (warn) unless configured: visible from day one, refusing nothing.</summary>
    public const RuleLevel DefaultLevel = RuleLevel.Warn;

    public static GuardrailSettings Default { get; } = new();

    public ImmutableSortedDictionary<string, RuleLevel> Levels { get; init; } = ImmutableSortedDictionary<string, RuleLevel>.Empty;

    /// <summary><c>require_digest</c>: <c>mutable-tag</c> also flags a fixed tag that is not pinned by <c>@sha256:</c> digest.</summary>
    public bool RequireDigest { get; init; }

    public RuleLevel LevelOf(string rule) => Levels.TryGetValue(rule, out var level) ? level : DefaultLevel;

    /// <summary>These settings with <paramref name="levels"/> over them, rule by rule.</summary>
    public GuardrailSettings With(IEnumerable<KeyValuePair<string, RuleLevel>> levels) =>
        this with { Levels = Levels.SetItems(levels) };

    public bool Equals(GuardrailSettings? other) =>
        other is not null && RequireDigest == other.RequireDigest && Levels.SequenceEqual(other.Levels);

    public override int GetHashCode() => HashCode.Combine(RequireDigest, Levels.Count);
}
