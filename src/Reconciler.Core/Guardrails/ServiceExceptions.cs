using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Guardrails;

/// <summary>
/// A service's deliberate exceptions, written next to it so the choice is visible (and reviewed) in git:
/// <code>
/// x-reconciler:
///   allow:
///     - rule: docker-socket
///       reason: the log shipper reads container logs through the engine
/// </code>
/// The reason is required: an exception without one, or naming a rule that does not exist, makes
/// the commit invalid rather than silently allowing nothing (or everything).
/// </summary>
internal static class ServiceExceptions
{
    public static ImmutableDictionary<string, string> Read(string service, MappingNode s, List<Diagnostic> errors)
    {
        var allowed = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (s["x-reconciler"] is not MappingNode x || x["allow"] is not { } node) return allowed.ToImmutable();
        var path = $"services.{Excerpt.Of(service)}.x-reconciler.allow";
        if (node is not SequenceNode list)
        {
            errors.Add(Diagnostic.Error("must be a list of {rule: ID, reason: WHY} entries", node.Mark, path));
            return allowed.ToImmutable();
        }
        for (var i = 0; i < list.Items.Count; i++)
        {
            var at = $"{path}[{i}]";
            var item = list.Items[i];
            if (item is ScalarNode bare)
            {
                errors.Add(Diagnostic.Error($"an exception needs a reason: write {{rule: {Excerpt.Of(bare.Value)}, reason: why this service needs it}}", bare.Mark, at));
                continue;
            }
            if (item is not MappingNode entry)
            {
                errors.Add(Diagnostic.Error("must be a mapping {rule: ID, reason: WHY}", item.Mark, at));
                continue;
            }
            foreach (var key in entry.Keys.Where(k => k is not ("rule" or "reason")))
                errors.Add(Diagnostic.Error($"unknown key {Excerpt.Quoted(key)} (known keys: rule, reason)", entry.KeyMark(key), at));
            var rule = (entry["rule"] as ScalarNode)?.Value;
            var reason = (entry["reason"] as ScalarNode)?.Value?.Trim();
            if (string.IsNullOrEmpty(rule))
                errors.Add(Diagnostic.Error($"names no rule: add rule: (one of {GuardrailRules.Ids})", entry.Mark, at));
            else if (!GuardrailRules.IsKnown(rule))
                errors.Add(Diagnostic.Error($"unknown rule {Excerpt.Quoted(rule)} (rules: {GuardrailRules.Ids})", entry["rule"]!.Mark, at + ".rule"));
            else if (string.IsNullOrEmpty(reason))
                errors.Add(Diagnostic.Error($"the exception to {rule} needs a reason: add reason: saying why this service needs it", entry.Mark, at));
            else allowed[rule] = reason;
        }
        return allowed.ToImmutable();
    }
}
