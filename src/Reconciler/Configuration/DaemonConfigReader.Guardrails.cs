using System.Collections.Immutable;
using Reconciler.Core.Guardrails;
using YamlDotNet.RepresentationModel;

namespace Reconciler.Configuration;

/// <summary>
/// <c>policy:</c> (the guardrail rules, fleet-wide and per stack over it, rule by rule) and
/// <c>image_gc:</c> (what image garbage collection keeps).
/// </summary>
public static partial class DaemonConfigReader
{
    /// <summary><c>policy: {rules: {ID: off|warn|deny}, require_digest: bool}</c> over <paramref name="inherited"/>.</summary>
    private static GuardrailSettings ReadPolicy(Ctx ctx, YamlMappingNode owner, string path, GuardrailSettings inherited)
    {
        var at = path.Length == 0 ? "policy" : path + ".policy";
        if (ctx.Map(owner, "policy", at) is not { } m) return inherited;
        ctx.Keys(m, at, "rules", "require_digest");
        var levels = new List<KeyValuePair<string, RuleLevel>>();
        if (ctx.Map(m, "rules", at + ".rules") is { } rules)
            foreach (var (k, v) in rules.Children)
            {
                var id = (k as YamlScalarNode)?.Value ?? "";
                var keyPath = $"{at}.rules.{id}";
                if (!GuardrailRules.IsKnown(id)) { ctx.Error(k, keyPath, $"unknown rule (rules: {GuardrailRules.Ids})"); continue; }
                if (v is YamlScalarNode { Value: { } text } && RuleLevels.TryParse(text, out var level)) levels.Add(new(id, level));
                else ctx.Error(v, keyPath, "must be off, warn or deny");
            }
        var settings = inherited.With(levels);
        return ctx.Bool(m, "require_digest", at) is { } digest ? settings with { RequireDigest = digest } : settings;
    }

    private static ImageGcSettings ReadImageGc(Ctx ctx, YamlMappingNode root)
    {
        if (ctx.Map(root, "image_gc", "image_gc") is not { } m) return new ImageGcSettings();
        ctx.Keys(m, "image_gc", "enabled", "keep_commits", "grace_period");
        var keep = 3;
        if (ctx.Str(m, "keep_commits", "image_gc") is { } k)
        {
            if (int.TryParse(k, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100) keep = n;
            else ctx.Error(ctx.Node(m, "keep_commits")!, "image_gc.keep_commits", $"invalid count \"{k}\": use a whole number from 1 to 100 (1 keeps only the running commit's images)");
        }
        return new ImageGcSettings
        {
            Enabled = ctx.Bool(m, "enabled", "image_gc") ?? true,
            KeepCommits = keep,
            GracePeriod = ctx.Duration(m, "grace_period", "image_gc") ?? ImageGcSettings.DefaultGracePeriod,
        };
    }
}
