using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Guardrails;

/// <summary>
/// One rule a service breaks, with where (file:line of the offending key, and its key path) and
/// what to do. <see cref="Level"/> is the configured one: a finding is never <c>off</c>.
/// </summary>
public sealed record PolicyFinding(string Rule, string Service, RuleLevel Level, string Message, Mark? Where, string KeyPath)
{
    /// <summary><c>compose.yaml:4:12: services.web.image: mutable-tag: …</c>, like a load diagnostic.</summary>
    public override string ToString() =>
        $"{(Where is { } m ? m + ": " : "")}{KeyPath}: {Rule}: {Message}";
}

/// <summary>A finding a service's <c>x-reconciler.allow</c> silenced, with the reason given there.</summary>
public sealed record AllowedFinding(PolicyFinding Finding, string Reason);
