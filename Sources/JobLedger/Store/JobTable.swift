/// Job ids to dense indices, looked up by the id's bytes as they stand in a log line: no `String`
/// is built to find a job, and the hash is a few multiplications (replay meets every job once per
/// file, so this is on the hot path).
struct JobTable {
    private struct Entry {
        var hash: UInt64
        var start: Int
        var length: Int
    }

    /// Open addressing, linear probing; `-1` is empty. Grows at half full.
    private var buckets: [Int32]
    /// Each entry's hash and where its key's bytes lie in `keyBytes`: one array, one append.
    private var entries: [Entry] = []
    private var keyBytes: [UInt8] = []
    /// The ids, by index.
    private(set) var ids: [JobID] = []

    /// - Parameter buckets: the initial number of buckets, a power of two (a table for a few
    ///   jobs starts small).
    init(buckets: Int = 1024) {
        precondition(buckets > 0 && buckets & (buckets - 1) == 0, "the bucket count is a power of two")
        self.buckets = [Int32](repeating: -1, count: buckets)
    }

    var count: Int { ids.count }

    /// Empties the table, keeping its memory unless it grew large.
    mutating func removeAll() {
        if buckets.count <= 256 {
            for index in buckets.indices { buckets[index] = -1 }
        } else {
            buckets = [Int32](repeating: -1, count: 16)
        }
        entries.removeAll(keepingCapacity: true)
        keyBytes.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        let raw = UnsafeRawPointer(key.baseAddress!)
        var i = 0
        while i + 8 <= key.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    /// The index of the job with these bytes, if known.
    @inline(__always)
    func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(buckets[bucket])
            if entry < 0 { return nil }
            if entries[entry].hash == hash {
                let start = entries[entry].start
                let length = entries[entry].length
                if length == key.count
                    && keyBytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + start, key.baseAddress!, length) == 0 })
                {
                    return entry
                }
            }
            bucket = (bucket + 1) & mask
        }
    }

    /// Adds a job not yet in the table; returns its index.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, id: JobID) -> Int {
        if (ids.count + 1) * 2 > buckets.count { grow() }
        let entry = ids.count
        ids.append(id)
        entries.append(Entry(hash: hash, start: keyBytes.count, length: key.count))
        keyBytes.append(contentsOf: key)
        place(entry, hash: hash)
        return entry
    }

    private mutating func place(_ entry: Int, hash: UInt64) {
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while buckets[bucket] >= 0 { bucket = (bucket + 1) & mask }
        buckets[bucket] = Int32(entry)
    }

    private mutating func grow() {
        buckets = [Int32](repeating: -1, count: buckets.count * 2)
        for entry in entries.indices { place(entry, hash: entries[entry].hash) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
