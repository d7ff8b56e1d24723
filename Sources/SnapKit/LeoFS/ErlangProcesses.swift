/// Finds Erlang VMs by the node name they were started with, through `/proc`.
enum ErlangProcesses {
    /// Pids of `beam` processes whose command line has `-name NODENAME` or `-sname NODENAME`.
    static func running(nodename: String) -> [Int32] {
        guard let entries = try? FileOps.listDirectory("/proc") else { return [] }
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let bytes = try? FileOps.readFile("/proc/\(entry)/cmdline") else {
                return nil
            }
            let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            guard arguments.first.map({ $0.contains("beam") }) == true else { return nil }
            for (index, argument) in arguments.enumerated().dropLast()
            where (argument == "-name" || argument == "-sname") && arguments[index + 1] == nodename {
                return pid
            }
            return nil
        }
    }
}
