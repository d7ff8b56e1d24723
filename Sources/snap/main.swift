import Foundation
import Glibc
import Logging
import SnapCLI

// Files snap creates are private: bundles carry S3 secret keys.
umask(0o077)
LoggingSystem.bootstrap(StreamLogHandler.standardError)
exit(SnapMain.run(Array(CommandLine.arguments.dropFirst())))
