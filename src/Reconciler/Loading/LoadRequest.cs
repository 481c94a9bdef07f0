using Reconciler.Core.Compose;

namespace Reconciler.Loading;

/// <summary>A load as <see cref="LoadPolicy"/> sets it up: the loader's options and the reader of the files they may reach.</summary>
internal sealed record LoadRequest(LoadOptions Options, IFileSource Files);
