/// The positions of a large `JSONObject`'s keys: open addressing with linear probing over the
/// keys' UTF-8 bytes, hashed with a few multiplications (the standard `Hasher`'s SipHash costs
/// several times more, and this index is on replay's path for `configured` events). Buckets
/// hold positions in the object's entries; a key is compared with the entry's own key.
struct JSONKeyIndex: Sendable {
    /// `-1` is empty. A power of two, at most half full.
    private var buckets: [Int32]

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        buckets = [Int32](repeating: -1, count: size)
    }

    @inline(__always)
    static func hash(_ key: String) -> Int {
        var key = key
        return key.withUTF8 { bytes in
            Int(truncatingIfNeeded: JobTable.hash(bytes.count == 0 ? UnsafeBufferPointer(start: emptyKey, count: 0) : bytes))
        }
    }

    /// A valid pointer for hashing the empty key.
    private nonisolated(unsafe) static let emptyKey = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    /// The position of `key` among `entries`, or `nil`.
    @inline(__always)
    func find(_ key: String, in entries: [JSONObject.Entry]) -> Int? {
        let mask = buckets.count - 1
        var bucket = Self.hash(key) & mask
        while true {
            let position = Int(buckets[bucket])
            if position < 0 { return nil }
            if entries[position].key == key { return position }
            bucket = (bucket + 1) & mask
        }
    }

    /// The position of `key`, inserting `new` for it if it is absent: one probe sequence.
    /// - Returns: the position, and whether it was inserted.
    @inline(__always)
    mutating func findOrInsert(_ key: String, new: Int, in entries: [JSONObject.Entry]) -> (position: Int, inserted: Bool) {
        if (new + 1) * 2 > buckets.count { grow(entries) }
        let mask = buckets.count - 1
        var bucket = Self.hash(key) & mask
        while true {
            let position = Int(buckets[bucket])
            if position < 0 {
                buckets[bucket] = Int32(new)
                return (new, true)
            }
            if entries[position].key == key { return (position, false) }
            bucket = (bucket + 1) & mask
        }
    }

    private mutating func grow(_ entries: [JSONObject.Entry]) {
        buckets = [Int32](repeating: -1, count: buckets.count * 2)
        let mask = buckets.count - 1
        for (position, entry) in entries.enumerated() {
            var bucket = Self.hash(entry.key) & mask
            while buckets[bucket] >= 0 { bucket = (bucket + 1) & mask }
            buckets[bucket] = Int32(position)
        }
    }
}
