using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Core.Building;

/// <summary>
/// The digest of a build's inputs: the context's files and links (<see cref="ContextEntry"/>: paths,
/// executable bits, contents, targets; what <c>.dockerignore</c> leaves out is not there), the Dockerfile's
/// text, and every option of the <see cref="BuildSpec"/> — not the context's absolute path, so the
/// same files built from another folder are the same build. Kept as a label on the built image
/// (<see cref="BuildLabels.Digest"/>) and compared by the planner: equal digests, no rebuild.
/// </summary>
public static class BuildDigest
{
    /// <summary>Bumped when what goes into the digest changes: every image is then rebuilt once.</summary>
    private const string Version = "reconciler-build-digest/1";

    /// <param name="dockerfile">The Dockerfile's text as the builder gets it (inline or read from its file).</param>
    /// <param name="dockerfilePath">Where the builder finds it: its path relative to the context, or a fixed name when it is sent inside.</param>
    public static string Of(BuildSpec spec, string dockerfile, string dockerfilePath, IEnumerable<ContextEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        // Each field on its own line, values escaped, so no two different inputs write the same text.
        void Field(string name, string? value) => text.Append(name).Append(' ').Append(Escape(value ?? "")).Append('\n');
        Field("version", Version);
        Field("dockerfile", dockerfilePath);
        Field("dockerfile-sha256", Sha256(dockerfile));
        foreach (var (k, v) in spec.Args) Field("arg", k + "=" + v);
        Field("target", spec.Target);
        foreach (var (k, v) in spec.Labels) Field("label", k + "=" + v);
        Field("network", spec.Network);
        foreach (var h in spec.ExtraHosts) Field("extra-host", h);
        Field("shm-size", spec.ShmSize.ToString(CultureInfo.InvariantCulture));
        foreach (var c in spec.CacheFrom) Field("cache-from", c);
        Field("no-cache", spec.NoCache ? "1" : "0");
        Field("pull", spec.Pull ? "1" : "0");
        foreach (var t in spec.Tags) Field("tag", t);
        foreach (var u in spec.Ulimits) Field("ulimit", FormattableString.Invariant($"{u.Name}={u.Soft}:{u.Hard}"));
        Field("isolation", spec.Isolation);
        Field("platform", spec.Platform);
        // git keeps files and links, not folders: a folder left empty on disk by an earlier commit makes no rebuild.
        foreach (var e in entries.Where(e => e.Kind != ContextEntryKind.Directory).OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            var what = e.Kind == ContextEntryKind.SymbolicLink
                ? "link " + Escape(e.LinkTarget ?? "")
                : (e.Executable ? "exec " : "file ") + e.ContentSha256;
            text.Append("entry ").Append(Escape(e.Path)).Append(' ').Append(what).Append('\n');
        }
        return "sha256:" + Sha256(text.ToString());
    }

    /// <summary>The first 12 hex digits, for plans and logs.</summary>
    public static string Short(string digest)
    {
        var hex = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[7..] : digest;
        return hex.Length > 12 ? hex[..12] : hex;
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace(" ", "\\s", StringComparison.Ordinal);
}
