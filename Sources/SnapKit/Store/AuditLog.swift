import Crypto
import Foundation
import Glibc
import SystemPackage

/// What a command reports about itself for the audit log.
package struct AuditDraft: Sendable {
    package var argv: [String]
    package var action: String
    package var snapshots: [String]
    package var nodes: [String]
    package var outcome: String
    package var error: String?
    package var durationMs: Int

    package init(
        argv: [String], action: String, snapshots: [String] = [], nodes: [String] = [],
        outcome: String, error: String? = nil, durationMs: Int
    ) {
        self.argv = argv
        self.action = action
        self.snapshots = snapshots
        self.nodes = nodes
        self.outcome = outcome
        self.error = error
        self.durationMs = durationMs
    }
}

/// The append-only, hash-chained `audit.log` (JSON lines).
///
/// Each entry carries the hash of the one before it; the first carries a genesis hash
/// derived from the store id, so a log cannot be swapped between stores unnoticed.
package struct AuditLog: Sendable {
    /// Path of `audit.log`.
    package let path: String
    /// `prev_hash` of the first entry.
    let genesisHash: String

    package init(path: String, storeId: String) {
        self.path = path
        self.genesisHash = SHA256.hex(of: Array("snap-audit-genesis:\(storeId)".utf8))
    }

    /// The log's lines as read, with a torn (unterminated) last line set apart.
    package struct Contents: Sendable {
        /// Complete lines, without their newline.
        package var lines: [ArraySlice<UInt8>]
        /// Bytes after the last newline: what a crash mid-append left, never trusted.
        var tornTail: Int
    }

    /// Reads every complete line.
    package func read() throws -> Contents {
        guard FileOps.exists(path) else { return Contents(lines: [], tornTail: 0) }
        let bytes = try FileOps.readFile(path)
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
        let tail = lines.removeLast()  // empty when the file ends in a newline
        return Contents(lines: lines, tornTail: tail.count)
    }

    /// The entries whose lines decode; the line numbers of those that do not
    /// (``verify()`` says more) and the size of a torn tail.
    package func entries() throws -> (entries: [AuditEntry], damagedLines: [Int], tornTail: Int) {
        let contents = try read()
        let decoded = contents.lines.concurrentMap { line in
            AuditEntry.fastDecode(line)
                ?? (try? JSONCoding.decoder(for: AuditEntry.self).decode(AuditEntry.self, from: Data(line)))
        }
        var entries: [AuditEntry] = []
        var damaged: [Int] = []
        for (index, entry) in decoded.enumerated() {
            if let entry { entries.append(entry) } else { damaged.append(index + 1) }
        }
        return (entries, damaged, contents.tornTail)
    }

    /// Appends one entry, durably. The caller holds the store lock.
    ///
    /// A torn last line (a crash in the middle of an append) is cut off first and the
    /// number of bytes removed is returned so the caller can say so.
    @discardableResult
    /// - Parameter lock: proof that the caller holds the store lock (``LockedStore`` appends).
    func append(_ draft: AuditDraft, holding lock: StoreLock, now: Date = Date()) throws
        -> (entry: AuditEntry, repairedBytes: Int)
    {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemError("open audit log", path, .last) }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        var size = Int(info.st_size)
        let (lastLine, lastLineEnd) = try lastCompleteLine(fd: fd, size: size)
        let repaired = size - lastLineEnd
        if repaired > 0 {
            if ftruncate(fd, off_t(lastLineEnd)) != 0 { throw SystemError("repair audit log", path, .last) }
            size = lastLineEnd
        }
        var seq = 1
        var prevHash = genesisHash
        if let lastLine {
            // A sequence number no append could have written (0, negative, or the largest
            // Int, whose successor would trap) is damage like any other.
            if let last = try? JSONCoding.decoder(for: AuditEntry.self).decode(AuditEntry.self, from: Data(lastLine)),
                let hash = last.hash, last.seq >= 1, last.seq < Int.max
            {
                seq = last.seq + 1
                prevHash = hash
            } else {
                // A damaged last entry: chain to its raw bytes; `audit verify` reports it.
                seq = try read().lines.count + 1
                prevHash = SHA256.hex(of: lastLine)
            }
        }
        var entry = AuditEntry(
            seq: seq, time: now, user: ToolInfo.user, host: ToolInfo.host, pid: getpid(), argv: draft.argv,
            action: draft.action, snapshots: draft.snapshots, nodes: draft.nodes, outcome: draft.outcome,
            error: draft.error, durationMs: draft.durationMs, prevHash: prevHash, hash: nil)
        entry.hash = try entry.computedHash()
        let line = try entry.canonicalLine()
        do {
            // Short writes are retried; a full disk ends here, and the part written goes again
            // so the log never keeps a torn line of ours.
            _ = try FileDescriptor(rawValue: fd).writeAll(toAbsoluteOffset: Int64(size), line)
            try FileOps.sync(.init(rawValue: fd), path: path)
        } catch {
            ftruncate(fd, off_t(size))
            fsync(fd)
            if let errno = error as? Errno { throw SystemError("append to audit log", path, errno) }
            throw error
        }
        return (entry, repaired)
    }

    /// The last newline-terminated line and the offset just past it.
    private func lastCompleteLine(fd: Int32, size: Int) throws -> ([UInt8]?, Int) {
        var window = min(size, 64 * 1024)
        while window > 0 {
            var bytes = [UInt8](repeating: 0, count: window)
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, window, off_t(size - window)) }
            if count != window { throw SystemError("read audit log", path, .last) }
            if let end = bytes.lastIndex(of: 0x0a) {
                let start = bytes[..<end].lastIndex(of: 0x0a).map { $0 + 1 }
                if let start { return (Array(bytes[start..<end]), size - window + end + 1) }
                if window == size { return (Array(bytes[0..<end]), end + 1) }
            } else if window == size {
                return (nil, 0)
            }
            window = min(size, window * 4)
        }
        return (nil, 0)
    }
}
