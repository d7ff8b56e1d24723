import Foundation

extension Array where Element: Sendable {
    /// `map` on every core, for work of thousands of small independent items (decoding
    /// records, audit lines); results keep the input's order. Below `minimumPerLane` items
    /// per core it runs on the calling thread.
    func concurrentMap<T: Sendable>(minimumPerLane: Int = 256, _ transform: @Sendable (Element) -> T) -> [T] {
        let lanes = Swift.max(1, Swift.min(ProcessInfo.processInfo.activeProcessorCount, count / minimumPerLane))
        guard lanes > 1 else { return map(transform) }
        let slots = LaneSlots<T>(lanes: lanes)
        let chunk = (count + lanes - 1) / lanes
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            let range = Swift.min(count, lane * chunk)..<Swift.min(count, (lane + 1) * chunk)
            slots.set(lane, self[range].map(transform))
        }
        return slots.all.flatMap { $0 }
    }
}

/// One result slot per lane of a `concurrentPerform`, each written once by its own lane.
private final class LaneSlots<T>: @unchecked Sendable {
    private var slots: [[T]]
    private let lock = NSLock()

    init(lanes: Int) { slots = Array(repeating: [], count: lanes) }

    func set(_ lane: Int, _ values: [T]) {
        lock.lock()
        slots[lane] = values
        lock.unlock()
    }

    var all: [[T]] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
