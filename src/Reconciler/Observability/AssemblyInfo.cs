using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Reconciler.Tests")]
