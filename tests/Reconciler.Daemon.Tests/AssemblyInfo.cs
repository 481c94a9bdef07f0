// The fixtures run sshd, git http-backend, POSIX signals and the Docker engine's unix socket.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

// Every test runs its own daemon against the one engine, and several assert wall-clock bounds
// (deploy within N seconds): run them one at a time so they don't slow each other down.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
