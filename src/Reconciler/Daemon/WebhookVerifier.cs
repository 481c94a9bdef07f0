using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Daemon;

/// <summary>
/// Checks that a git webhook comes from the forge that knows the shared secret: GitHub's
/// <c>X-Hub-Signature-256</c> and Gitea's <c>X-Gitea-Signature</c> (HMAC-SHA256 of the body), GitLab's
/// <c>X-Gitlab-Token</c> (the secret itself). Comparisons are constant-time.
/// </summary>
public static class WebhookVerifier
{
    public static bool IsAuthentic(IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body, string secret)
    {
        if (string.IsNullOrEmpty(secret)) return false;
        var key = Encoding.UTF8.GetBytes(secret);
        string? Header(string name) =>
            headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        if (Header("X-Hub-Signature-256") is { } github)
            return github.StartsWith("sha256=", StringComparison.Ordinal) && HexEquals(github[7..], HMACSHA256.HashData(key, body));
        if (Header("X-Gitea-Signature") is { } gitea)
            return HexEquals(gitea, HMACSHA256.HashData(key, body));
        if (Header("X-Gitlab-Token") is { } token)
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), key);
        return false;
    }

    private static bool HexEquals(string hex, byte[] expected)
    {
        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(hex.Trim()), expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
