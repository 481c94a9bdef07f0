using System.Text;
using System.Text.Json.Nodes;
using Reconciler.Docker.Registry;

namespace Reconciler.Docker.Swarm;

/// <summary>
/// <c>--with-registry-auth</c>: the <c>X-Registry-Auth</c> header for an image's registry, so the
/// manager can resolve a private image's digest and the nodes can pull it. From the same credential
/// provider the host engine pulls with; none found means no header (anonymous), as for a pull.
/// </summary>
internal sealed class SwarmRegistryAuth(IRegistryCredentialProvider? credentials)
{
    public async Task<string?> HeaderForAsync(string image, CancellationToken ct)
    {
        if (credentials is null) return null;
        var lookup = await credentials.FindAsync(ImageReference.Parse(image).RegistryHost, ct).ConfigureAwait(false);
        return lookup.Credential is { } c ? Encode(c) : null;
    }

    /// <summary>The engine's AuthConfig JSON, base64url with padding (what the docker client sends). Never logged.</summary>
    internal static string Encode(RegistryCredential c)
    {
        var json = new JsonObject { ["serveraddress"] = c.ServerAddress };
        if (c.Username is not null) json["username"] = c.Username;
        if (c.Password is not null) json["password"] = c.Password;
        if (c.IdentityToken is not null) json["identitytoken"] = c.IdentityToken;
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString())).Replace('+', '-').Replace('/', '_');
    }
}
