using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Sops;

/// <summary>
/// Decrypts an age file (age-encryption.org/v1) with X25519 identities, which is how sops wraps a
/// file's data key for each age recipient. Written from the age specification on .NET's HKDF, HMAC
/// and ChaCha20-Poly1305 and BouncyCastle's X25519: the header's MAC is checked before the payload
/// is read, and every payload chunk is authenticated.
/// </summary>
public static class AgeFile
{
    private const string Version = "age-encryption.org/v1";
    private const string ArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
    private const string ArmorEnd = "-----END AGE ENCRYPTED FILE-----";
    private const int ChunkSize = 64 * 1024;
    private const int TagSize = 16;

    /// <summary>The plaintext, or a <see cref="SopsException"/> saying which step refused (never showing key material).</summary>
    /// <param name="what">What the file is, for messages (e.g. "the data key of secrets.env").</param>
    public static byte[] Decrypt(string armoredOrBinary, IReadOnlyList<AgeIdentity> identities, string what)
    {
        var bytes = Dearmor(armoredOrBinary, what);
        var (stanzas, headerForMac, mac, payloadStart) = ParseHeader(bytes, what);
        byte[]? fileKey = null;
        foreach (var stanza in stanzas.Where(s => s.Type == "X25519"))
        {
            if (stanza.Args.Length != 1 || DecodeRaw(stanza.Args[0]) is not { Length: 32 } share || stanza.Body.Length != 32)
                throw new SopsException($"{what}: malformed X25519 stanza in the age header");
            foreach (var identity in identities)
            {
                fileKey = Unwrap(identity, share, stanza.Body);
                if (fileKey is not null) break;
            }
            if (fileKey is not null) break;
        }
        if (fileKey is null)
        {
            var held = string.Join(", ", identities.Select(i => i.Recipient));
            throw new SopsException($"{what}: no age identity in age_key_file matches (the key file holds {held})");
        }
        var hmacKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, [], "header"u8.ToArray());
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(hmacKey, headerForMac), mac))
            throw new SopsException($"{what}: the age header's MAC does not match (the wrapped key was altered)");
        return DecryptPayload(bytes.AsSpan(payloadStart), fileKey, what);
    }

    private static byte[]? Unwrap(AgeIdentity identity, byte[] share, byte[] body)
    {
        var shared = identity.Agree(share);
        if (shared.All(b => b == 0)) return null; // a low-order share: age refuses it
        var salt = new byte[64];
        share.CopyTo(salt, 0);
        identity.PublicKey.CopyTo(salt, 32);
        var wrapKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, salt, "age-encryption.org/v1/X25519"u8.ToArray());
        var fileKey = new byte[16];
        try
        {
            using var aead = new ChaCha20Poly1305(wrapKey);
            aead.Decrypt(new byte[12], body.AsSpan(0, 16), body.AsSpan(16), fileKey);
            return fileKey;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null; // wrapped for another recipient
        }
    }

    private static byte[] DecryptPayload(ReadOnlySpan<byte> payload, byte[] fileKey, string what)
    {
        if (payload.Length < 16 + TagSize) throw new SopsException($"{what}: the age payload is truncated");
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, payload[..16].ToArray(), "payload"u8.ToArray());
        using var aead = new ChaCha20Poly1305(key);
        var body = payload[16..];
        var output = new List<byte>(body.Length);
        var nonce = new byte[12];
        for (ulong counter = 0; ; counter++)
        {
            var size = Math.Min(body.Length, ChunkSize + TagSize);
            var last = size == body.Length;
            if (size < TagSize || (last && size == TagSize && counter > 0))
                throw new SopsException($"{what}: the age payload is truncated");
            for (var i = 0; i < 8; i++) nonce[3 + i] = (byte)(counter >> (8 * (7 - i)));
            nonce[11] = last ? (byte)1 : (byte)0;
            var plain = new byte[size - TagSize];
            try
            {
                aead.Decrypt(nonce, body[..(size - TagSize)], body.Slice(size - TagSize, TagSize), plain);
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new SopsException($"{what}: the age payload does not authenticate (altered or truncated)");
            }
            output.AddRange(plain);
            body = body[size..];
            if (last) return [.. output];
        }
    }

    private sealed record Stanza(string Type, string[] Args, byte[] Body);

    private static (List<Stanza> Stanzas, byte[] HeaderForMac, byte[] Mac, int PayloadStart) ParseHeader(byte[] bytes, string what)
    {
        var pos = 0;
        string NextLine()
        {
            var end = Array.IndexOf(bytes, (byte)'\n', pos);
            if (end < 0) throw new SopsException($"{what}: the age header is truncated");
            var line = Encoding.ASCII.GetString(bytes, pos, end - pos);
            pos = end + 1;
            return line;
        }
        if (NextLine() != Version) throw new SopsException($"{what}: not an age v1 file");
        var stanzas = new List<Stanza>();
        while (true)
        {
            var lineStart = pos;
            var line = NextLine();
            if (line.StartsWith("---", StringComparison.Ordinal))
            {
                if (!line.StartsWith("--- ", StringComparison.Ordinal) || DecodeRaw(line[4..]) is not { Length: 32 } mac)
                    throw new SopsException($"{what}: malformed age header MAC line");
                return (stanzas, bytes[..(lineStart + 3)], mac, pos);
            }
            if (!line.StartsWith("-> ", StringComparison.Ordinal)) throw new SopsException($"{what}: malformed age header");
            var parts = line[3..].Split(' ');
            var body = new List<byte>();
            while (true)
            {
                var bodyLine = NextLine();
                var chunk = DecodeRaw(bodyLine) ?? throw new SopsException($"{what}: malformed age stanza body");
                body.AddRange(chunk);
                if (bodyLine.Length < 64) break;
            }
            stanzas.Add(new Stanza(parts[0], parts[1..], [.. body]));
        }
    }

    /// <summary>Base64 without padding, as age writes it; null when malformed.</summary>
    private static byte[]? DecodeRaw(string text)
    {
        if (text.Contains('=') || text.Length % 4 == 1) return null;
        try
        {
            return Convert.FromBase64String(text + new string('=', (4 - text.Length % 4) % 4));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] Dearmor(string text, string what)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith(ArmorBegin, StringComparison.Ordinal)) return Encoding.Latin1.GetBytes(text);
        if (!trimmed.EndsWith(ArmorEnd, StringComparison.Ordinal)) throw new SopsException($"{what}: the age armor has no end line");
        var inner = trimmed[ArmorBegin.Length..^ArmorEnd.Length].Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
        try
        {
            return Convert.FromBase64String(inner);
        }
        catch (FormatException)
        {
            throw new SopsException($"{what}: the age armor is not valid base64");
        }
    }
}
