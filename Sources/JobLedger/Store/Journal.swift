#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A durable directory store's journal: where a group commit of several logs makes their new
/// bytes durable with one `fdatasync` of one file, instead of a `syncfs` that writes every log's
/// dirty block as a separate request (docs/log-format.md, "The journal").
///
/// Each record is an append's bytes with the log and the offset they were written at. The logs
/// themselves get the same bytes as always, in the same `write`, and are made durable later, by the
/// next `syncfs` (a group too large for the journal, a checkpoint when the journal has grown past
/// ``checkpointBytes``, or the store's end), after which the journal starts again. After a machine
/// crash, ``JournalRecovery`` puts every journaled append back into its log before anyone reads
/// the store.
///
/// The journal lives at `<store>/.jobledger/journal-<pid>-<n>-<k>`, one per store object, made when
/// first needed, held under an exclusive `flock` for the store object's life (a live journal is
/// never recovered) and removed, after a `syncfs`, when the store is released.
///
/// Only the leader of a group commit uses it, one at a time (``GroupCommit``), so it has no lock.
package final class Journal {
    /// A group of at most this many bytes goes to the journal; a larger one (a big batch) is
    /// synced with `syncfs`, which is then no dearer than writing its bytes twice.
    static let groupBytes = 256 << 10
    /// The journal's size, written (zeros) and synced when it is made, so that a group's
    /// `fdatasync` writes only its records' blocks and never the file's size or block map (which
    /// would take a commit of the file system's own journal). When a group would pass the end, it
    /// is synced with `syncfs` instead and the journal starts again from its beginning (a
    /// checkpoint): recovery never reads more than this.
    static let checkpointBytes: Int64 = 1 << 20
    /// The folder of journals inside a store, and a journal's name prefix.
    package static let folderName = ".jobledger"
    static let namePrefix = "journal-"

    let path: String
    private let fd: Int32
    /// Bytes in the journal now (everything before is whole records).
    private(set) var length: Int64 = 0
    /// Whether the journal may hold records of a group that failed: it is not used again until a
    /// `syncfs` has succeeded and it was emptied.
    private(set) var suspect = false

    /// Makes a new journal in `store`'s folder of journals, under the store's directory lock
    /// (shared: recovery, which takes it exclusively, never sees a journal between its creation
    /// and its `flock`).
    init(store: String) throws(JobLedgerError) {
        let folder = Self.folder(of: store)
        let lock = try FileIO.openDirectory(store)
        defer { close(lock) }
        try FileIO.lock(lock, LOCK_SH, store)
        switch FileIO.kind(of: folder, followLinks: false) {
        case .directory: break
        case nil:
            if mkdir(folder, 0o700) != 0 && errno != EEXIST { throw FileIO.failure("create directory", folder) }
            try FileIO.syncDirectory(store)
        case .file, .symlink, .other:
            // Never follow a link out of the store (recovery refuses it too).
            throw JobLedgerError(.io, "not a directory; a store keeps its journals there", file: folder)
        }
        var made: (fd: Int32, path: String)?
        for attempt in 0..<1000 where made == nil {
            let candidate = folder + "/" + Self.namePrefix + "\(getpid())-\(Self.counter.next())-\(attempt)"
            let fd = Glibc.open(candidate, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd >= 0 {
                made = (fd, candidate)
            } else if errno != EEXIST && errno != EINTR {
                throw FileIO.failure("create", candidate)
            }
        }
        guard let made else { throw JobLedgerError(.io, "cannot find a free journal name", file: folder) }
        (fd, path) = made
        do throws(JobLedgerError) {
            try FileIO.lock(fd, LOCK_EX, path)
            try FileIO.writeAll(fd, [UInt8](repeating: 0, count: Int(Self.checkpointBytes)), at: 0, path)
            try FileIO.sync(fd, path)
            try FileIO.syncDirectory(folder)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
    }

    deinit { close(fd) }

    static func folder(of store: String) -> String {
        store.hasSuffix("/") ? store + folderName : store + "/" + folderName
    }

    /// Numbers the journals of this process.
    private static let counter = Counter()

    private final class Counter: @unchecked Sendable {
        private let lock = OSLock(0)
        func next() -> Int { lock.withLock { $0 += 1; return $0 } }
    }

    /// Whether a group of `bytes` record bytes fits: not suspect, not too large, and not past the
    /// checkpoint.
    func takes(_ bytes: Int) -> Bool {
        !suspect && bytes <= Self.groupBytes && length + Int64(bytes) <= Self.checkpointBytes
    }

    /// Writes `records` (whole, encoded) after the last ones and makes them durable with one
    /// `fdatasync`. On failure they are overwritten with zeros, so a failed group's records
    /// cannot be replayed into its logs; if even that fails, the journal is ``suspect``.
    func write(_ records: [UInt8]) throws(JobLedgerError) {
        let before = length
        do throws(JobLedgerError) {
            try FileIO.writeAll(fd, records, at: before, path)
            while fdatasync(fd) != 0 {
                if errno == EINTR { continue }
                throw FileIO.failure("sync", path)
            }
            length += Int64(records.count)
        } catch {
            zero(from: before, count: records.count)
            throw error
        }
    }

    /// Takes back the last group's records (its sync failed after the journal's, e.g. a test's
    /// injected fault).
    func takeBack(_ bytes: Int) {
        length -= Int64(bytes)
        zero(from: length, count: bytes)
    }

    private func zero(from offset: Int64, count: Int) {
        do throws(JobLedgerError) {
            try FileIO.writeAll(fd, [UInt8](repeating: 0, count: count), at: offset, path)
        } catch {
            suspect = true
        }
    }

    /// Starts the journal again from its beginning, after a `syncfs` made every log durable: the
    /// first record's mark is zeroed, which ends the journal there. (Older records further on,
    /// found after newer ones once those are written, are of bytes that `syncfs` made durable:
    /// recovery finds them in their logs and leaves them.)
    func empty() {
        do throws(JobLedgerError) {
            try FileIO.writeAll(fd, [0, 0, 0, 0], at: 0, path)
            length = 0
            suspect = false
        } catch {
            suspect = true
        }
    }

    /// Removes the journal after a `syncfs` made every log durable (the store is released).
    func remove() {
        unlink(path)
    }
}

/// A journal record: an append's bytes, the log's file name in the store and the offset they were
/// written at.
///
/// On disk, little-endian: `JLJ1`, the CRC-32 of everything after it, the name's length (2 bytes),
/// the bytes' length (4), the offset (8), the name, the bytes. A record cut short, or whose CRC
/// does not match, ends the journal (a group whose write a crash cut was never acknowledged).
package struct JournalRecord: Equatable, Sendable {
    package var name: String
    package var offset: Int64
    package var bytes: [UInt8]

    package init(name: String, offset: Int64, bytes: [UInt8]) {
        self.name = name
        self.offset = offset
        self.bytes = bytes
    }

    static let magic: [UInt8] = Array("JLJ1".utf8)
    /// magic, CRC, name length, bytes length, offset.
    static let headerSize = 4 + 4 + 2 + 4 + 8

    /// The record's encoding, appended to `out`.
    package func encode(into out: inout [UInt8]) {
        Self.encode(name: Array(name.utf8), offset: offset, bytes: bytes, into: &out)
    }

    /// A record's encoding, appended to `out`, without making the record.
    static func encode(name: [UInt8], offset: Int64, bytes: [UInt8], into out: inout [UInt8]) {
        let start = out.count
        // magic, CRC (filled in below), name length, bytes length, offset: little-endian.
        var header: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &header) { raw in
            raw.copyBytes(from: magic)
            raw.storeBytes(of: UInt16(name.count).littleEndian, toByteOffset: 8, as: UInt16.self)
            raw.storeBytes(of: UInt32(bytes.count).littleEndian, toByteOffset: 10, as: UInt32.self)
            raw.storeBytes(of: UInt64(bitPattern: offset).littleEndian, toByteOffset: 14, as: UInt64.self)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[..<headerSize]))
        }
        out.append(contentsOf: name)
        out.append(contentsOf: bytes)
        out.withUnsafeMutableBufferPointer { all in
            let crc = CRC32.checksum(UnsafeBufferPointer(rebasing: all[(start + 8)...]))
            UnsafeMutableRawBufferPointer(all).storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }

    private static func get(_ bytes: ArraySlice<UInt8>, at start: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (0..<count).reversed() { value = value << 8 | UInt64(bytes[start + i]) }
        return value
    }

    /// The whole, intact records at the start of `journal`, and where they end.
    package static func decode(_ journal: [UInt8]) -> (records: [JournalRecord], end: Int) {
        var records: [JournalRecord] = []
        var at = 0
        let all = journal[...]
        while journal.count - at >= headerSize, journal[at..<at + 4].elementsEqual(magic) {
            let nameCount = Int(get(all, at: at + 8, count: 2))
            let bytesCount = Int(get(all, at: at + 10, count: 4))
            let offset = Int64(bitPattern: get(all, at: at + 14, count: 8))
            let end = at + headerSize + nameCount + bytesCount
            guard end <= journal.count, offset >= 0 else { break }
            let crc = UInt32(get(all, at: at + 4, count: 4))
            let checked = journal.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[(at + 8)..<end])) }
            guard crc == checked else { break }
            let nameStart = at + headerSize
            records.append(
                JournalRecord(
                    name: String(decoding: journal[nameStart..<nameStart + nameCount], as: UTF8.self), offset: offset,
                    bytes: Array(journal[(nameStart + nameCount)..<end])))
            at = end
        }
        return (records, at)
    }
}

/// CRC-32 (IEEE 802.3, the polynomial of zlib and PNG), eight bytes at a time through eight
/// tables ("slicing by 8"), the rest a byte at a time.
package enum CRC32 {
    /// `tables[k][b]`: the CRC of byte `b` followed by `k` zero bytes.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
            tables[index] = value
        }
        for index in 0..<256 {
            for k in 1..<8 { tables[k * 256 + index] = (tables[(k - 1) * 256 + index] >> 8) ^ tables[Int(tables[(k - 1) * 256 + index] & 0xFF)] }
        }
        return tables
    }()

    static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        tables.withUnsafeBufferPointer { t in
            var at = 0
            let count = bytes.count
            if let base = bytes.baseAddress {
                while count - at >= 8 {
                    let word = UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self).littleEndian ^ UInt64(crc)
                    crc =
                        t[7 * 256 + Int(word & 0xFF)] ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
                        ^ t[5 * 256 + Int((word >> 16) & 0xFF)] ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
                        ^ t[3 * 256 + Int((word >> 32) & 0xFF)] ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
                        ^ t[1 * 256 + Int((word >> 48) & 0xFF)] ^ t[Int(word >> 56)]
                    at += 8
                }
            }
            while at < count {
                crc = t[Int((crc ^ UInt32(bytes[at])) & 0xFF)] ^ (crc >> 8)
                at += 1
            }
        }
        return crc ^ 0xFFFF_FFFF
    }

    package static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBufferPointer { checksum($0) } }
}

/// Puts back into their logs the appends that only a journal holds: after a machine crash, a log
/// may lack the bytes of appends that were acknowledged through a journal (``Journal``), or hold
/// unacknowledged bytes where they belong.
///
/// Run before a store is read or written: by every ``DirectoryStore`` when it is made, and by a
/// replay of a directory. Only journals no live store object holds are read (their `flock` is
/// free); the store's directory lock, taken exclusively, keeps two recoveries apart and keeps a
/// journal from being recovered while it is being made. For each log, its records are taken in
/// offset order:
/// - bytes already in the log are left alone (the usual case: the machine did not crash, or the
///   log reached the disk before it did);
/// - missing bytes are written back; bytes that differ from the record (never acknowledged) are
///   overwritten, and what follows them is cut;
/// - a record that starts past the end of its log means bytes acknowledged before it are lost:
///   `corrupt_log`, and nothing more is changed.
/// Then the restored logs and the directory are synced and the recovered journals removed.
package enum JournalRecovery {
    /// `jobledger recover DIR`: recovers the journals of the store in `directory`, which must be
    /// one; how many records were written back.
    package static func recover(directory: String) throws(JobLedgerError) -> Int {
        guard FileIO.kind(of: directory) == .directory else { throw JobLedgerError(.io, "no such directory", file: directory) }
        return try recover(directory, writing: true)
    }

    /// Recovers the journals of `store`; with `writing` false (a read-only store), only checks that
    /// nothing is missing.
    /// - Returns: how many records were written back.
    /// - Throws: `io_error` if a read-only check finds bytes to put back, or a file cannot be read
    ///   or written; `corrupt_log` for a gap.
    @discardableResult
    package static func recover(_ store: String, writing: Bool) throws(JobLedgerError) -> Int {
        let folder = Journal.folder(of: store)
        switch FileIO.kind(of: folder, followLinks: false) {
        case nil: return 0
        case .directory: break
        case .file, .symlink, .other:
            throw JobLedgerError(.io, "not a directory; a store keeps its journals there", file: folder)
        }
        let lock = try FileIO.openDirectory(store)
        defer { close(lock) }
        try FileIO.lock(lock, LOCK_EX, store)
        var journals: [(fd: Int32, path: String)] = []
        defer { for journal in journals { close(journal.fd) } }
        var byLog: [String: [(record: JournalRecord, journal: String)]] = [:]
        for name in try FileIO.entries(of: folder) where name.hasPrefix(Journal.namePrefix) {
            let path = folder + "/" + name
            guard let fd = try FileIO.open(path, writing ? O_RDWR : O_RDONLY) else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                close(fd)
                if code == EWOULDBLOCK { continue }  // a live store object's journal
                throw FileIO.failure("lock", path, code: code)
            }
            journals.append((fd, path))
            let bytes = try FileIO.read(fd, at: 0, count: Int(try FileIO.size(fd, path)), path)
            for record in JournalRecord.decode(bytes).records { byLog[record.name, default: []].append((record, path)) }
        }
        // Every log is checked before any is written, so that a gap in one changes nothing.
        var lacking: [(job: JobID, path: String, records: [(record: JournalRecord, journal: String)])] = []
        for name in byLog.keys.sorted() {
            // A stable sort: records at one offset stay in journal order.
            let records = byLog[name]!.enumerated()
                .sorted { ($0.element.record.offset, $0.offset) < ($1.element.record.offset, $1.offset) }.map(\.element)
            guard name.hasSuffix(".jsonl"), let job = JobID(validating: String(name.dropLast(6))), job.fileName == name else {
                throw JobLedgerError(.corruptLog, "a journal names \"\(name)\", which is not a job's log", file: records[0].journal)
            }
            let path = store.hasSuffix("/") ? store + name : store + "/" + name
            // Without a lock: an acknowledged byte never changes, so one present stays. (A live
            // writer cannot have appended to a log that lacks acknowledged bytes: it recovered the
            // store before its first append.)
            guard let fd = try FileIO.open(path, O_RDONLY) else {
                if records[0].record.offset > 0 { try gap(records[0], size: 0, job: job, path: path) }
                lacking.append((job, path, records))
                continue
            }
            defer { close(fd) }
            if try missing(records, fd: fd, path: path, job: job) != nil { lacking.append((job, path, records)) }
        }
        if let first = lacking.first, !writing {
            throw JobLedgerError(
                .io,
                "the store was not closed (a machine crash) and an acknowledged append is only in its journal \(first.records[0].journal): "
                    + "open the store for writing once to put it back (`jobledger recover \(store)`); nothing was changed",
                job: first.job.rawValue, file: first.path)
        }
        guard writing else { return 0 }
        var restored = 0
        for (job, path, records) in lacking { restored += try restore(records, job: job, path: path) }
        if restored > 0 { try FileIO.syncDirectory(store) }
        for journal in journals { unlink(journal.path) }
        if !journals.isEmpty { try FileIO.syncDirectory(folder) }
        return restored
    }

    /// Writes back one log's missing records (in offset order), under its lock; how many.
    private static func restore(
        _ records: [(record: JournalRecord, journal: String)], job: JobID, path: String
    ) throws(JobLedgerError) -> Int {
        guard let fd = try FileIO.open(path, O_RDWR | O_CREAT) else { return 0 }
        defer { close(fd) }
        try FileIO.lock(fd, LOCK_EX, path)
        var restored = 0
        var next = 0
        while let (index, size) = try missing(records, from: next, fd: fd, path: path, job: job) {
            let record = records[index].record
            let present = try FileIO.read(fd, at: record.offset, count: Int(min(size - record.offset, Int64(record.bytes.count))), path)
            try FileIO.writeAll(fd, record.bytes, at: record.offset, path)
            // Bytes that differ were never acknowledged, nor is anything after them.
            if !record.bytes.starts(with: present) { try FileIO.truncate(fd, to: record.offset + Int64(record.bytes.count), path) }
            restored += 1
            next = index + 1
        }
        if restored > 0 { try FileIO.sync(fd, path) }
        return restored
    }

    private static func gap(_ first: (record: JournalRecord, journal: String), size: Int64, job: JobID, path: String) throws(JobLedgerError) {
        throw JobLedgerError(
            .corruptLog,
            "the journal \(first.journal) holds an acknowledged append at byte \(first.record.offset), but the log has only \(size) bytes: "
                + "bytes acknowledged before it are lost", job: job.rawValue, file: path)
    }

    /// The first record from `start` on whose bytes the log lacks, and the log's size; `nil` if it
    /// has them all.
    /// - Throws: `corrupt_log` if that record starts past the log's end.
    private static func missing(
        _ records: [(record: JournalRecord, journal: String)], from start: Int = 0, fd: Int32, path: String, job: JobID
    ) throws(JobLedgerError) -> (index: Int, size: Int64)? {
        let size = try FileIO.size(fd, path)
        for index in start..<records.count {
            let (record, journal) = records[index]
            if record.offset > size { try gap((record, journal), size: size, job: job, path: path) }
            let end = record.offset + Int64(record.bytes.count)
            if end > size { return (index, size) }
            if try FileIO.read(fd, at: record.offset, count: record.bytes.count, path) != record.bytes { return (index, size) }
        }
        return nil
    }
}
