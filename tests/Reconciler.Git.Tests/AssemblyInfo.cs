// The fixtures run sshd, git http-backend and POSIX file modes: these tests are for Linux hosts only.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
