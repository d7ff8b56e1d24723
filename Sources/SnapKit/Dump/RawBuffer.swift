import Glibc

/// A growable array in raw memory, without an Array's checks of bounds and uniqueness,
/// for the dump parser's hot loops: they write through ``base`` after making room with
/// ``reserve(_:)``. Grows with `realloc`, which moves large blocks by remapping pages
/// rather than copying them.
struct RawBuffer<Element: BitwiseCopyable>: ~Copyable {
    private(set) var base: UnsafeMutablePointer<Element>
    private var capacity = 16
    /// How many elements are in use; whoever raises it past ``append(_:)`` must have made room.
    var count = 0

    init() {
        base = Self.resize(nil, to: capacity)
    }

    deinit { free(base) }

    /// The elements in use, valid until the next change.
    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    /// The last element; there must be one.
    var last: Element { base[count - 1] }

    var lastIfAny: Element? { count > 0 ? last : nil }

    /// Makes room for `additional` more elements.
    mutating func reserve(_ additional: Int) {
        guard count + additional > capacity else { return }
        capacity = max(count + additional, capacity * 2)
        base = Self.resize(base, to: capacity)
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { reserve(1) }
        base[count] = element
        count += 1
    }

    mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
        guard let start = elements.baseAddress else { return }
        reserve(elements.count)
        (base + count).update(from: start, count: elements.count)
        count += elements.count
    }

    mutating func removeLast() { count -= 1 }

    mutating func removeAll() { count = 0 }

    private static func resize(_ memory: UnsafeMutablePointer<Element>?, to capacity: Int) -> UnsafeMutablePointer<
        Element
    > {
        guard let grown = realloc(memory, capacity * MemoryLayout<Element>.stride) else {
            fatalError("out of memory growing a buffer to \(capacity) elements")
        }
        return grown.bindMemory(to: Element.self, capacity: capacity)
    }
}
