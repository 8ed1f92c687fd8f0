#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The entries of one directory, read once and sorted bytewise by name, without `.` and `..`
/// (and, with `hidden` false, without any name starting with `.` but `keeping`), with the
/// directory kept open: a replay opens each of its files by name relative to it, one path lookup
/// per file rather than one per component of its path.
///
/// A store's directory can hold a hundred thousand logs, and a replay lists it before any thread
/// has work: so the names are kept in one buffer, not as a string each, tested and sorted as
/// bytes, and a file's path is only made as a string by the thread that replays it.
final class DirectoryListing: Sendable {
    /// The directory, open for ``open(_:flags:path:regularOnly:)`` (closed with the listing).
    let fd: Int32
    /// `directory` followed by `/`, the start of every path.
    private let prefix: [UInt8]
    /// Each entry as its type (`d_type`) byte, its name and a zero byte, in `readdir` order.
    private let bytes: [UInt8]
    /// The entries in name order: where each name starts in `bytes`, and its length.
    private let names: [(start: Int32, count: Int32)]

    /// The directory's number in the ``ReplayPrefetch`` that was handed its names, if one was.
    let prefetched: Int?

    var count: Int { names.count }

    /// Lists `directory`. With `prefetch`, a directory of more than ``Replay/sizedLogs`` entries
    /// hands them over to it as they are read, for its threads to replay.
    init(of directory: String, hidden: Bool = false, keeping: String? = nil, prefetch: ReplayPrefetch? = nil) throws(JobLedgerError) {
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.failure("list directory", directory) }
        let listed = dup(fd)
        guard listed >= 0, let dir = fdopendir(listed) else {
            let failure = FileIO.failure("list directory", directory)
            if listed >= 0 { close(listed) }
            close(fd)
            throw failure
        }
        defer { closedir(dir) }
        self.fd = fd
        prefix = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8)
        var bytes: [UInt8] = []
        var order: [(key: UInt64, start: Int32, count: Int32)] = []
        var prefetched: Int?
        var handed = 0
        while let entry = readdir(dir) {
            if let prefetch, order.count > Replay.sizedLogs, order.count & 255 == 0 {
                if prefetched == nil { prefetched = prefetch.begin(fd: fd, prefix: prefix) }
                prefetch.listed(prefetched!, bytes: bytes[handed...], base: handed)
                handed = bytes.count
            }
            let type = entry.pointee.d_type
            withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let length = strnlen(raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
                let name = UnsafeRawBufferPointer(rebasing: raw[..<length])
                guard length > 0 else { return }
                if name[0] == UInt8(ascii: ".") {
                    let kept = keeping.map { name.elementsEqual($0.utf8) } ?? false
                    guard kept || hidden, length > 2 || (length == 2 && name[1] != UInt8(ascii: ".")) else { return }
                }
                // Sorted by the name's first eight bytes as a big-endian number (a name has no
                // zero byte, so a shorter name that begins a longer one comes first), then by
                // the rest.
                var key: UInt64 = 0
                for i in 0..<8 { key = key << 8 | UInt64(i < length ? name[i] : 0) }
                bytes.append(type)
                order.append((key, Int32(bytes.count), Int32(length)))
                bytes.append(contentsOf: name)
                bytes.append(0)
            }
        }
        if let prefetch, let prefetched { prefetch.listed(prefetched, bytes: bytes[handed...], base: handed) }
        self.prefetched = prefetched
        bytes.withUnsafeBufferPointer { flat in
            let base = flat.baseAddress ?? UnsafePointer(bitPattern: 1)!
            order.sort { a, b in
                if a.key != b.key { return a.key < b.key }
                let common = Int(min(a.count, b.count))
                let order = common <= 8 ? 0 : memcmp(base + Int(a.start) + 8, base + Int(b.start) + 8, common - 8)
                return order != 0 ? order < 0 : a.count < b.count
            }
        }
        self.bytes = bytes
        names = order.map { ($0.start, $0.count) }
    }

    deinit { close(fd) }

    /// The type `readdir` told for entry `index` (`DT_UNKNOWN` where the file system does not).
    func type(_ index: Int) -> UInt8 { bytes[Int(names[index].start) - 1] }

    /// Whether entry `index`'s name is a log's (``isLogName(_:)``).
    func isLog(_ index: Int) -> Bool {
        let (start, count) = (Int(names[index].start), Int(names[index].count))
        return bytes.withUnsafeBufferPointer { Self.isLogName(UnsafeBufferPointer(rebasing: $0[start..<start + count])) }
    }

    /// Whether a name ends in `.jsonl` and is more than that: a log's name.
    static func isLogName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let suffix: StaticString = ".jsonl"
        let length = suffix.utf8CodeUnitCount
        return name.count > length && memcmp(name.baseAddress! + name.count - length, suffix.utf8Start, length) == 0
    }

    /// Where entry `index`'s name starts among the names: a key for it (``ReplayPrefetch``).
    func key(_ index: Int) -> Int { Int(names[index].start) }

    /// Whether entry `index`'s name starts with `.`.
    func isHidden(_ index: Int) -> Bool { bytes[Int(names[index].start)] == UInt8(ascii: ".") }

    /// The name of entry `index`.
    func name(_ index: Int) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(names[index].start)..<Int(names[index].start + names[index].count)]), as: UTF8.self) }
    }

    /// The path of entry `index`: the directory, `/`, its name.
    func path(_ index: Int) -> String {
        let (start, count) = (Int(names[index].start), Int(names[index].count))
        return String(unsafeUninitializedCapacity: prefix.count + count) { out in
            _ = UnsafeMutableBufferPointer(rebasing: out[..<prefix.count]).initialize(from: prefix)
            _ = UnsafeMutableBufferPointer(rebasing: out[prefix.count...]).initialize(from: bytes[start..<start + count])
            return prefix.count + count
        }
    }

    /// Opens entry `index` relative to the directory, as ``FileIO/open(_:_:mode:followLinks:regularOnly:)``
    /// opens `path` (never following a symbolic link); `nil` if it is gone.
    func open(_ index: Int, flags: Int32, path: String, regularOnly: Bool = true) throws(JobLedgerError) -> Int32? {
        try bytes.withUnsafeBufferPointer { flat throws(JobLedgerError) in
            let name = UnsafeRawPointer(flat.baseAddress! + Int(names[index].start)).assumingMemoryBound(to: CChar.self)
            return try FileIO.open(path, flags, at: (fd, name), regularOnly: regularOnly)
        }
    }
}
