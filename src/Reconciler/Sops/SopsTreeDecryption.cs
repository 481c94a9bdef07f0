using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Sops;

/// <summary>
/// Walks one file's values in document order the way sops does: each value whose key path sops
/// encrypts is decrypted with the path as additional data, and every value (or, with
/// <c>mac_only_encrypted</c>, every encrypted one) goes into the SHA-512 whose hex the file's
/// <c>mac</c> holds, encrypted with <c>lastmodified</c> as additional data. Comments are not part of it.
/// </summary>
internal sealed class SopsTreeDecryption
{
    // sops seeds the hash with these bytes when mac_only_encrypted is set (MACOnlyEncryptedInitialization).
    private static readonly byte[] MacOnlyEncryptedSeed =
    [
        0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
        0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
    ];

    private readonly SopsMetadata _meta;
    private readonly byte[] _dataKey;
    private readonly string _file;
    private readonly IncrementalHash _mac = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);

    public SopsTreeDecryption(SopsMetadata meta, byte[] dataKey, string file)
    {
        (_meta, _dataKey, _file) = (meta, dataKey, file);
        if (meta.MacOnlyEncrypted) _mac.AppendData(MacOnlyEncryptedSeed);
    }

    public string File => _file;

    /// <summary>Every decrypted value, so the daemon can keep them out of plans and labels.</summary>
    public List<string> Secrets { get; } = [];

    /// <summary>
    /// One leaf. <paramref name="encoded"/> is the value when it is a string (null for numbers,
    /// booleans); <paramref name="macText"/> is how sops turns the value into MAC bytes when it is not
    /// encrypted (null for null values, which sops skips). Returns the plaintext, or null when sops
    /// left this value in clear.
    /// </summary>
    public SopsPlainValue? Leaf(IReadOnlyList<string> path, string? encoded, string? macText)
    {
        var where = $"{_file}: {(path.Count == 0 ? "(top level)" : string.Join('.', path))}";
        if (!_meta.ShouldBeEncrypted(path))
        {
            if (!_meta.MacOnlyEncrypted && macText is not null) _mac.AppendData(Encoding.UTF8.GetBytes(macText));
            return null;
        }
        if (encoded is null)
            throw new SopsException($"{where}: expected an encrypted value but found a plain one; the file was edited by hand after encryption (re-encrypt it with sops)");
        var plain = encoded.Length == 0 ? new SopsPlainValue([], "str") // sops leaves empty strings as they are
            : SopsValueCipher.Decrypt(encoded, _dataKey, string.Join(':', path) + ":", where);
        _mac.AppendData(plain.Bytes);
        if (plain.Bytes.Length > 0) Secrets.Add(plain.Text);
        return plain;
    }

    /// <summary>
    /// A comment: sops encrypts comments too (not part of the MAC); one that does not decrypt is kept
    /// as it is, as sops does for files from versions that did not encrypt comments.
    /// </summary>
    public string Comment(string value, IReadOnlyList<string> path)
    {
        if (!SopsValueCipher.LooksEncrypted(value)) return value;
        try
        {
            var plain = SopsValueCipher.Decrypt(value, _dataKey, string.Join(':', path) + ":", _file).Text;
            Secrets.Add(plain);
            return plain;
        }
        catch (SopsException)
        {
            return value;
        }
    }

    /// <summary>Compares the computed MAC with the file's: a value added, removed, reordered or swapped for another file's fails here.</summary>
    public void VerifyMac()
    {
        var expected = SopsValueCipher.Decrypt(_meta.Mac, _dataKey, _meta.LastModified, $"{_file}: sops.mac").Text;
        var actual = Convert.ToHexString(_mac.GetHashAndReset());
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(actual)))
            throw new SopsException($"{_file}: MAC mismatch: the file's values were changed after sops encrypted it (tampered, or edited by hand); re-encrypt it with sops");
    }

    /// <summary>The data key: the first age copy an identity of the host opens.</summary>
    public static byte[] DataKey(SopsMetadata meta, IReadOnlyList<AgeIdentity> identities, string file)
    {
        if (meta.Age.IsEmpty)
        {
            var others = meta.OtherKeyTypes.IsEmpty ? "no key at all" : "only " + string.Join(", ", meta.OtherKeyTypes);
            throw new SopsException($"{file}: is not encrypted for any age recipient ({others}); add this host's recipient: sops updatekeys, or sops --encrypt --age {identities.FirstOrDefault()?.Recipient ?? "age1…"}");
        }
        // A copy addressed to one of our recipients first: its failure is the one worth reporting.
        var ordered = meta.Age.OrderByDescending(s => identities.Any(i => i.Recipient == s.Recipient.Trim())).ToList();
        SopsException? first = null;
        foreach (var stanza in ordered)
        {
            try
            {
                var key = AgeFile.Decrypt(stanza.EncryptedKey, identities, $"{file}: the data key for {stanza.Recipient.Trim()}");
                if (key.Length != 32) throw new SopsException($"{file}: the data key for {stanza.Recipient.Trim()} is {key.Length} bytes, not 32; the file is corrupt");
                return key;
            }
            catch (SopsException e)
            {
                first ??= e;
            }
        }
        if (!meta.Age.Any(s => identities.Any(i => i.Recipient == s.Recipient.Trim())))
        {
            throw new SopsException($"{file}: none of its age recipients ({string.Join(", ", meta.Age.Select(s => s.Recipient.Trim()))}) is a key in age_key_file (which holds {string.Join(", ", identities.Select(i => i.Recipient))}): re-encrypt the file for this host's recipient");
        }
        throw first!;
    }
}
