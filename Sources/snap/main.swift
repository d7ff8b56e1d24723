import CLinux
import Foundation
import Glibc
import Logging
import SnapCLI
import SnapKit

// Files snap creates are private: bundles carry S3 secret keys.
umask(0o077)
// Under a file size limit (ulimit -f) a write then fails with EFBIG, which snap reports
// and cleans up after, instead of the kernel killing it mid-write with SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)
// Ctrl-C, SIGTERM and SIGHUP end a command at its next safe point (a cold capture's
// node is started again first), and snap exits 130, 143 or 129 itself.
Interruption.install()
// Memory freed by one age chunk is the next one's (see the shim).
snap_keep_freed_heap()
LoggingSystem.bootstrap(StreamLogHandler.standardError)
exit(SnapMain.run(Array(CommandLine.arguments.dropFirst())))
