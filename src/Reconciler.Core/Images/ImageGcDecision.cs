namespace Reconciler.Core.Images;

/// <summary>One image and what garbage collection does with it, with the reason (printed by <c>reconciler gc</c>).</summary>
public sealed record ImageGcDecision(LocalImage Image, bool Remove, string Reason)
{
    public override string ToString() => $"{(Remove ? "remove" : "keep  ")} {Image.Name} ({Image.Id[..Math.Min(Image.Id.Length, 19)]}, {Image.Size} bytes): {Reason}";
}
