using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Reconciler.Sops;

/// <summary>One age recipient's copy of the file's data key.</summary>
public sealed record AgeStanza(string Recipient, string EncryptedKey);

/// <summary>
/// The <c>sops</c> metadata of an encrypted file, as far as decrypting it needs: the age copies of
/// the data key (top-level <c>age</c> and in <c>key_groups</c>), the MAC and the timestamp it is
/// bound to, and which values were left unencrypted.
/// </summary>
public sealed record SopsMetadata
{
    public required string LastModified { get; init; }
    public required string Mac { get; init; }
    public ImmutableArray<AgeStanza> Age { get; init; } = [];
    /// <summary>The other key types the file is encrypted for (pgp, kms, …), for the error when no age key is there.</summary>
    public ImmutableArray<string> OtherKeyTypes { get; init; } = [];
    public string? UnencryptedSuffix { get; init; }
    public string? EncryptedSuffix { get; init; }
    public Regex? UnencryptedRegex { get; init; }
    public Regex? EncryptedRegex { get; init; }
    public bool MacOnlyEncrypted { get; init; }

    private static readonly string[] KeyTypes = ["pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"];

    /// <summary>Reads the metadata map (strings, lists and maps); a missing or malformed field is a clear error.</summary>
    public static SopsMetadata From(object? node, string file)
    {
        if (node is not IReadOnlyDictionary<string, object?> map)
            throw new SopsException($"{file}: the sops metadata is not a map; the file is corrupt (re-encrypt it with sops)");
        string? Str(string key) => map.TryGetValue(key, out var v) ? v as string : null;
        foreach (var unsupported in new[] { "unencrypted_comment_regex", "encrypted_comment_regex" })
            if (!string.IsNullOrEmpty(Str(unsupported)))
                throw new SopsException($"{file}: sops.{unsupported} is not supported by Reconciler; use unencrypted_suffix or encrypted_regex");
        if (map.TryGetValue("shamir_threshold", out var shamir) && shamir is string s && s != "0" && s != "1")
            throw new SopsException($"{file}: Shamir key groups (sops.shamir_threshold) are not supported; encrypt the file for one age recipient per host");
        var age = ImmutableArray.CreateBuilder<AgeStanza>();
        ReadAge(map, "sops.age", file, age);
        var other = KeyTypes.Where(t => map.TryGetValue(t, out var v) && v is IReadOnlyList<object?> { Count: > 0 }).ToList();
        if (map.TryGetValue("key_groups", out var groups) && groups is IReadOnlyList<object?> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is not IReadOnlyDictionary<string, object?> group) continue;
                ReadAge(group, $"sops.key_groups[{i}].age", file, age);
                other.AddRange(KeyTypes.Where(t => group.TryGetValue(t, out var v) && v is IReadOnlyList<object?> { Count: > 0 }));
            }
        }
        return new SopsMetadata
        {
            LastModified = Str("lastmodified") ?? throw new SopsException($"{file}: sops.lastmodified is missing; the file is corrupt (re-encrypt it with sops)"),
            Mac = Str("mac") ?? throw new SopsException($"{file}: sops.mac is missing; the file is corrupt or was written with --ignore-mac (re-encrypt it with sops)"),
            Age = age.ToImmutable(),
            OtherKeyTypes = [.. other.Distinct()],
            UnencryptedSuffix = NonEmpty(Str("unencrypted_suffix")),
            EncryptedSuffix = NonEmpty(Str("encrypted_suffix")),
            UnencryptedRegex = RegexOf(Str("unencrypted_regex"), "unencrypted_regex", file),
            EncryptedRegex = RegexOf(Str("encrypted_regex"), "encrypted_regex", file),
            MacOnlyEncrypted = Str("mac_only_encrypted") is { } m && m.Equals("true", StringComparison.OrdinalIgnoreCase),
        };
    }

    private static void ReadAge(IReadOnlyDictionary<string, object?> map, string where, string file, ImmutableArray<AgeStanza>.Builder into)
    {
        if (!map.TryGetValue("age", out var value) || value is null) return;
        if (value is not IReadOnlyList<object?> entries) throw new SopsException($"{file}: {where} is not a list; the file is corrupt");
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not IReadOnlyDictionary<string, object?> entry
                || !entry.TryGetValue("recipient", out var r) || r is not string recipient
                || !entry.TryGetValue("enc", out var e) || e is not string enc)
                throw new SopsException($"{file}: {where}[{i}] needs recipient and enc; the file is corrupt (re-encrypt it with sops)");
            into.Add(new AgeStanza(recipient, enc));
        }
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static Regex? RegexOf(string? pattern, string key, string file)
    {
        if (string.IsNullOrEmpty(pattern)) return null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            throw new SopsException($"{file}: sops.{key} is not a regular expression this host can read");
        }
    }

    /// <summary>
    /// sops's rule for whether the value at <paramref name="path"/> is encrypted: suffixes and
    /// regexes on any key of the path, the encrypted ones narrowing everything else.
    /// </summary>
    public bool ShouldBeEncrypted(IReadOnlyList<string> path)
    {
        var encrypted = true;
        if (UnencryptedSuffix is { } us && path.Any(p => p.EndsWith(us, StringComparison.Ordinal))) encrypted = false;
        if (EncryptedSuffix is { } es) encrypted = path.Any(p => p.EndsWith(es, StringComparison.Ordinal));
        if (UnencryptedRegex is { } ur && path.Any(p => ur.IsMatch(p))) encrypted = false;
        if (EncryptedRegex is { } er) encrypted = path.Any(p => er.IsMatch(p));
        return encrypted;
    }
}
