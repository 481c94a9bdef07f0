using System.Text;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Reconciler.Sops;

/// <summary>
/// An age X25519 identity (<c>AGE-SECRET-KEY-1…</c>, bech32) and its recipient (<c>age1…</c>).
/// <see cref="ToString"/> shows only the recipient: the secret never reaches a log or a message.
/// </summary>
public sealed class AgeIdentity
{
    private const string SecretPrefix = "age-secret-key-";
    private const string RecipientPrefix = "age";

    private readonly byte[] _secret;

    private AgeIdentity(byte[] secret)
    {
        _secret = secret;
        var pub = new byte[X25519.PointSize];
        X25519.ScalarMultBase(secret, 0, pub, 0);
        PublicKey = pub;
        Recipient = Bech32.Encode(RecipientPrefix, pub);
    }

    public byte[] PublicKey { get; }

    /// <summary>The public <c>age1…</c> form, safe to show.</summary>
    public string Recipient { get; }

    /// <summary>X25519 with this identity's secret; all zeros (a low-order point) is refused by the caller.</summary>
    internal byte[] Agree(ReadOnlySpan<byte> share)
    {
        var shared = new byte[X25519.PointSize];
        X25519.ScalarMult(_secret, 0, share.ToArray(), 0, shared, 0);
        return shared;
    }

    /// <summary>A key derived from the secret for <paramref name="purpose"/> (HKDF-SHA256): stable per host key, useless to anyone without it.</summary>
    public byte[] DeriveKey(string purpose) =>
        System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, _secret, 32, [], Encoding.UTF8.GetBytes(purpose));

    /// <summary>One identity line; null when it is not a well-formed age X25519 secret key (the text is never echoed).</summary>
    public static AgeIdentity? TryParse(string line)
    {
        var decoded = Bech32.Decode(line.Trim().ToLowerInvariant());
        return decoded is ({ } hrp, { Length: X25519.ScalarSize } data) && hrp == SecretPrefix ? new AgeIdentity(data) : null;
    }

    /// <summary>
    /// The identities of an age key file as <c>age-keygen</c> writes it: <c>#</c> comments, blank
    /// lines, one <c>AGE-SECRET-KEY-1…</c> per line. A line that is none of these is an error naming
    /// its number only, since it may be a mangled secret.
    /// </summary>
    public static IReadOnlyList<AgeIdentity> ReadFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SopsException($"age_key_file {path} cannot be read ({e.GetType().Name}): create it with age-keygen -o {path} (mode 600) or fix the path", commitsFault: false);
        }
        var identities = new List<AgeIdentity>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("AGE-PLUGIN-", StringComparison.OrdinalIgnoreCase) || line.StartsWith("AGE-SECRET-KEY-PQ-", StringComparison.OrdinalIgnoreCase))
                throw new SopsException($"age_key_file {path} line {i + 1}: plugin and post-quantum identities are not supported; use an X25519 key (age-keygen)", commitsFault: false);
            identities.Add(TryParse(line)
                ?? throw new SopsException($"age_key_file {path} line {i + 1}: not an age secret key (expected AGE-SECRET-KEY-1… as age-keygen writes it)", commitsFault: false));
        }
        if (identities.Count == 0)
            throw new SopsException($"age_key_file {path} holds no age secret key: generate one with age-keygen -o {path}", commitsFault: false);
        return identities;
    }

    public override string ToString() => Recipient;
}
