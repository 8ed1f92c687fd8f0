/// A job id's bytes kept inline (at most ``capacity``, the longest id a ``JobID`` may have):
/// the replay's "last line's job", set once per job and read on every line, without an array's
/// allocation, uniqueness check and generic copy.
struct JobBytes {
    static let capacity = 128
    private var storage: (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private(set) var count = 0

    /// Keeps `bytes`, a valid job id's (so at most ``capacity``).
    @inline(__always)
    mutating func set(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= Self.capacity, "a job id is at most \(Self.capacity) bytes")
        let count = bytes.count
        withUnsafeMutableBytes(of: &storage) { raw in
            if count > 0 { raw.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: count) }
        }
        self.count = count
    }

    @inline(__always)
    mutating func removeAll() { count = 0 }

    /// Calls `body` with the bytes kept.
    @inline(__always)
    func withBuffer<R, Failure: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> R) throws(Failure) -> R {
        try withUnsafeBytes(of: storage) { (raw) throws(Failure) -> R in
            try body(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count))
        }
    }
}
