/// The durable file operations every store write goes through.
///
/// Each write is: temporary file in the same directory, fsync, rename, fsync of the
/// directory. Temporary names start with ``FileOps/temporaryPrefix`` so that the next
/// writer can find and remove what a crash left behind.
package enum FileOps {}
