/// Job ids to dense indices, looked up by the id's bytes as they stand in a log line: no `String`
/// is built to find a job, and the hash is a few multiplications (replay meets every job once per
/// file, so this is on the hot path).
struct JobTable {
    /// Open addressing, linear probing; `-1` is empty. Grows at half full.
    private var buckets: [Int32]
    /// Each entry's hash, by index.
    private var hashes: [UInt64] = []
    /// The ids, by index: a key's bytes are compared with its id (``JobID/hasText(_:)``), so the
    /// table keeps no copy of them.
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
        hashes.removeAll(keepingCapacity: true)
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

    /// A hash of `job` for a table searched only by id (`find(_ job: JobID, hash:)`), never by
    /// bytes: a UUID's two words mixed, without spelling its text.
    @inline(__always)
    static func hash(_ job: JobID) -> UInt64 {
        guard let (high, low) = job.uuidWords else { return job.withUTF8 { hash($0) } }
        var h = (high ^ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 29) ^ low) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    /// The index of the job with these bytes, if known.
    @inline(__always)
    func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        find(hash: hash) { ids[$0].hasText(key) }
    }

    /// The index of `job`, whose bytes hash to `hash`, if known: compared as ids, so its text
    /// is not needed (a replay split between threads looks up each job of a range in the
    /// others' tables).
    @inline(__always)
    func find(_ job: JobID, hash: UInt64) -> Int? {
        find(hash: hash) { ids[$0] == job }
    }

    /// The first entry with `hash` that `matches`, probing from the hash's bucket.
    @inline(__always)
    private func find(hash: UInt64, matches: (Int) -> Bool) -> Int? {
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(buckets[bucket])
            if entry < 0 { return nil }
            if hashes[entry] == hash && matches(entry) { return entry }
            bucket = (bucket + 1) & mask
        }
    }

    /// Adds `id`, not yet in the table, under `hash`: the hash of its bytes, or in a table
    /// searched only by id, `hash(_ job: JobID)`'s. Returns its index.
    mutating func insert(_ id: JobID, hash: UInt64) -> Int {
        if (ids.count + 1) * 2 > buckets.count { grow() }
        let entry = ids.count
        ids.append(id)
        hashes.append(hash)
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
        for entry in hashes.indices { place(entry, hash: hashes[entry]) }
    }
}

/// Whether a job may be in a ``JobTable``, in a bit array: `false` means it is not. For a file
/// split into many ranges, each range asks every other range's whether it holds one of its jobs,
/// and only a "maybe" (rare: two bits of 32 per job) looks in that range's table, whose
/// entries no cache holds.
struct JobFilter {
    private var words: [UInt64]
    private let mask: Int

    /// A filter for about `capacity` jobs.
    init(capacity: Int) {
        var bits = 64
        while bits < capacity * 32 { bits <<= 1 }
        words = [UInt64](repeating: 0, count: bits / 64)
        mask = bits - 1
    }

    /// Two bits of the filter, from the hash's upper half (a table's bucket comes from the lower).
    @inline(__always)
    private func bits(_ hash: UInt64) -> (Int, Int) {
        (Int(truncatingIfNeeded: hash >> 32) & mask, Int(truncatingIfNeeded: hash >> 43) & mask)
    }

    mutating func insert(_ hash: UInt64) {
        let (a, b) = bits(hash)
        words[a >> 6] |= 1 << UInt64(a & 63)
        words[b >> 6] |= 1 << UInt64(b & 63)
    }

    @inline(__always)
    func mayContain(_ hash: UInt64) -> Bool {
        let (a, b) = bits(hash)
        return words[a >> 6] & (1 << UInt64(a & 63)) != 0 && words[b >> 6] & (1 << UInt64(b & 63)) != 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
