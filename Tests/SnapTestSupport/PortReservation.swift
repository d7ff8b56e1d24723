import Synchronization

/// TCP ports held by this test process's fixtures (stand-in pairs, two-host beds, S3
/// servers) for as long as each fixture lives.
///
/// A port that is free when a fixture lays itself out may be bound much later (a pair is
/// started after other work; a killed S3 server is started again on the same ports), and
/// in between another fixture of the same process, which sees it free, could take it: the
/// second one to bind then fails with a node that never becomes ready. A fixture claims its
/// ports here, so that no other fixture of this process picks them until it releases them.
package struct PortReservation: ~Copyable, Sendable {
    /// The reserved ports.
    package let ports: [Int]

    private static let held = Mutex<Set<Int>>([])

    /// Claims the first candidate block whose ports no fixture holds and nothing on the
    /// machine listens on (on each of `hosts`).
    /// - Parameters:
    ///   - candidates: how to draw a block (called up to `attempts` times).
    ///   - hosts: the IPv4 addresses the ports must be free on.
    /// - Returns: nil when none of the drawn blocks was free.
    package static func claim(
        attempts: Int = 200, hosts: [String] = ["127.0.0.1"], _ candidates: () -> [Int]
    ) -> PortReservation? {
        for _ in 0..<attempts {
            let ports = candidates()
            let claimed = held.withLock { held in
                guard held.isDisjoint(with: ports),
                    ports.allSatisfy({ port in hosts.allSatisfy { Console.portIsFree(port, host: $0) } })
                else { return false }
                held.formUnion(ports)
                return true
            }
            if claimed { return PortReservation(ports: ports) }
        }
        return nil
    }

    deinit {
        let ports = ports
        Self.held.withLock { $0.subtract(ports) }
    }
}
