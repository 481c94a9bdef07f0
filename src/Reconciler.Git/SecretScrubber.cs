namespace Reconciler.Git;

/// <summary>
/// Removes one remote's secrets (its http password and anything embedded in its url) from text
/// before it goes into an exception message. Messages from libgit2 and from git can quote the url.
/// </summary>
internal sealed class SecretScrubber
{
    private const string Mask = "***";
    private readonly string _url;
    private readonly string _redactedUrl;
    private readonly string[] _secrets;

    public SecretScrubber(GitRemote remote)
    {
        _url = remote.Url;
        _redactedUrl = remote.RedactedUrl;
        var secrets = GitUrl.EmbeddedSecrets(remote.Url).ToList();
        if (remote.Auth is GitHttpAuth { Password.Length: > 0 } http)
        {
            secrets.Add(http.Password);
        }
        // Longest first, so a secret containing another is masked whole.
        _secrets = [.. secrets.Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];
    }

    public bool HasSecrets => _secrets.Length > 0;

    public string Scrub(string text)
    {
        if (_url != _redactedUrl)
        {
            text = text.Replace(_url, _redactedUrl, StringComparison.Ordinal);
        }
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>Whether an exception chain quotes a secret anywhere (then it must not be kept as an inner exception).</summary>
    public bool Leaks(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (Scrub(x.Message) != x.Message)
            {
                return true;
            }
        }
        return false;
    }
}
