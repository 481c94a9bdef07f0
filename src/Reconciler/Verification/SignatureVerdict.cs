namespace Reconciler.Verification;

/// <summary>
/// Whether a commit may be deployed under <c>verify:</c>, and if not why: <see cref="Reason"/> is
/// the metric's label (<c>unsigned</c>, <c>bad_signature</c>, <c>untrusted_key</c>,
/// <c>unsupported_signature</c>, <c>verifier_error</c>), <see cref="Signer"/> whoever the signature
/// names (principal, key fingerprint or OpenPGP key id), <see cref="Message"/> what to do.
/// </summary>
public sealed record SignatureVerdict(string Commit, bool Trusted, string Reason, string? Signer, string Message)
{
    public static SignatureVerdict Good(string commit, string signer) => new(commit, true, "trusted", signer, $"signed by {signer}");

    public static SignatureVerdict Refused(string commit, string reason, string? signer, string message) => new(commit, false, reason, signer, message);
}
