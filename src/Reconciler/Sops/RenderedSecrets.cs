using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Reconciler.Core.Desired;

namespace Reconciler.Sops;

/// <summary>
/// What a commit's export decrypted, kept (in memory only) so that the plaintext stays out of
/// everything the daemon shows: the desired state's field list, which becomes the plan's field
/// changes and the containers' <c>dev.reconciler.spec</c> label, gets a keyed digest in place of
/// each decrypted value. The plan then says that an encrypted value or file changed, not to what.
/// </summary>
public sealed record RenderedSecrets(ImmutableArray<string> Values, ImmutableArray<string> Files, byte[] DigestKey)
{
    // Shorter values would match inside unrelated fields; sops values that short are not secrets worth the noise.
    private const int MinLength = 4;

    public static RenderedSecrets None { get; } = new([], [], []);

    /// <summary>The desired state with every field that holds a decrypted value, or a decrypted file's digest, replaced.</summary>
    /// <param name="treeDirectory">Where the files were exported (bind sources are absolute paths under it).</param>
    public DesiredProject Redact(DesiredProject desired, string treeDirectory)
    {
        if (Values.IsEmpty && Files.IsEmpty) return desired;
        var values = Values.Where(v => v.Length >= MinLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToList();
        var files = Files.Select(f => Path.Combine(treeDirectory, f)).ToHashSet(StringComparer.Ordinal);
        return desired with
        {
            Services = desired.Services.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value with
            {
                Fields = kv.Value.Fields.ToImmutableSortedDictionary(f => f.Key, f => RedactField(f.Key, f.Value, values, files), StringComparer.Ordinal),
            }, StringComparer.Ordinal),
        };
    }

    private string RedactField(string key, string value, List<string> values, HashSet<string> files)
    {
        if (key.StartsWith("content:", StringComparison.Ordinal) && files.Contains(key["content:".Length..]))
            return $"(encrypted file, {Digest(value)})";
        return values.Any(v => value.Contains(v, StringComparison.Ordinal)) ? $"(encrypted value, {Digest(value)})" : value;
    }

    /// <summary>HMAC with a key derived from the host's age identity: equal values look equal, and a guess cannot be checked without the key.</summary>
    private string Digest(string value) => "hmac:" + Convert.ToHexStringLower(HMACSHA256.HashData(DigestKey, Encoding.UTF8.GetBytes(value)))[..12];
}
