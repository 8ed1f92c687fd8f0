#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the POSIX calls the stores use, turning `errno` into `io_error`s that name
/// the file and the call.
enum FileIO {
    static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func failure(_ what: String, _ path: String, code: Int32 = errno) -> JobLedgerError {
        JobLedgerError(.io, "cannot \(what): \(errorText(code))", file: path)
    }

    /// Opens a regular file; `nil` when it does not exist and `flags` do not create it.
    ///
    /// A store's files cannot be redirected: a symbolic link is refused (`O_NOFOLLOW`) unless
    /// `followLinks` (a path a user named on the command line), and anything that is not a
    /// regular file — a FIFO, a device, a socket, a directory — is refused with `io_error`
    /// naming the path. `O_NONBLOCK` keeps opening a FIFO from waiting for a writer.
    /// New files get `mode` (owner only by default), less the process umask.
    /// With `regularOnly` false the caller checks the kind itself (``linkedSize(_:_:)``, after
    /// locking), which saves a `stat`. With `at`, the file opened is `name` in the open directory
    /// `directory` (`openat`), and `path` only names it in errors.
    static func open(
        _ path: String, _ flags: Int32, mode: mode_t = 0o600, followLinks: Bool = false,
        at: (directory: Int32, name: UnsafePointer<CChar>)? = nil, regularOnly: Bool = true
    ) throws(JobLedgerError) -> Int32? {
        let fd: Int32
        let how = flags | O_CLOEXEC | O_NONBLOCK | (followLinks ? 0 : O_NOFOLLOW)
        while true {
            let opened = if let at { openat(at.directory, at.name, how, mode) } else { Glibc.open(path, how, mode) }
            if opened >= 0 {
                fd = opened
                break
            }
            if errno == EINTR { continue }
            if errno == ENOENT && flags & O_CREAT == 0 { return nil }
            if errno == ELOOP && !followLinks {
                throw JobLedgerError(.io, "is a symbolic link; a store never follows one for a log, its .torn or its lock", file: path)
            }
            if errno == ENXIO {
                throw JobLedgerError(.io, "not a regular file (a FIFO or socket with no peer)", file: path)
            }
            throw failure("open", path)
        }
        guard regularOnly else { return fd }
        do throws(JobLedgerError) {
            _ = try regularFile(fd, path)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// The size of an open file, which must be a regular file (``open(_:_:mode:followLinks:regularOnly:)``
    /// with `regularOnly` false, then this after locking: one `fstat` for both).
    static func regularSize(_ fd: Int32, _ path: String) throws(JobLedgerError) -> Int64 {
        Int64(try regularFile(fd, path).st_size)
    }

    /// The `stat` of an open file, which must be a regular file.
    private static func regularFile(_ fd: Int32, _ path: String) throws(JobLedgerError) -> stat {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat", path) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw JobLedgerError(.io, "not a regular file (\(describe(mode: info.st_mode))); refused", file: path)
        }
        return info
    }

    /// Opens a directory to sync it (the store's own directory may be reached through a link).
    static func openDirectory(_ path: String) throws(JobLedgerError) -> Int32 {
        while true {
            let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw failure("open directory", path)
        }
    }

    /// What kind of file a `st_mode` is, in words.
    static func describe(mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFLNK: return "a symbolic link"
        case S_IFREG: return "a regular file"
        default: return "not a regular file"
        }
    }

    /// The size of the open file `fd` unless it was unlinked since it was opened (`nil`): checked
    /// after taking a log's lock, because a writer may remove an empty log it created (or found
    /// empty) when its first append failed; whoever waited for that lock then opens the path anew.
    /// One `fstat`. (A log replaced under its name by a rename, with a second link elsewhere, is
    /// not noticed: only JobLedger writes a store's directory, and it never renames a log.)
    /// - Throws: `io_error` if the file is not a regular file (see ``open(_:_:mode:followLinks:regularOnly:)``).
    static func linkedSize(_ fd: Int32, _ path: String) throws(JobLedgerError) -> Int64? {
        let open = try regularFile(fd, path)
        return open.st_nlink > 0 ? Int64(open.st_size) : nil
    }

    /// Takes an advisory lock (`LOCK_EX` or `LOCK_SH`) on the whole file, waiting for it.
    static func lock(_ fd: Int32, _ operation: Int32, _ path: String) throws(JobLedgerError) {
        while flock(fd, operation) != 0 {
            if errno == EINTR { continue }
            throw failure("lock", path)
        }
    }

    static func size(_ fd: Int32, _ path: String) throws(JobLedgerError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat", path) }
        return Int64(info.st_size)
    }

    /// Writes all of `bytes` at the end of the file (the descriptor is `O_APPEND`).
    /// Writes all of `bytes`: at the end of the file (the descriptor is `O_APPEND`), or at
    /// `offset` if given (the descriptor must not be `O_APPEND`).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64? = nil, _ path: String) throws(JobLedgerError) {
        var written = 0
        while written < bytes.count {
            let (from, count) = (bytes.baseAddress! + written, bytes.count - written)
            let n = offset.map { pwrite(fd, from, count, off_t($0) + off_t(written)) } ?? Glibc.write(fd, from, count)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            written += n
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int64? = nil, _ path: String) throws(JobLedgerError) {
        let result: Result<Void, JobLedgerError> = bytes.withUnsafeBytes { buffer in
            do throws(JobLedgerError) {
                try writeAll(fd, buffer, at: offset, path)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    static func sync(_ fd: Int32, _ path: String) throws(JobLedgerError) {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw failure("sync", path)
        }
    }

    static func truncate(_ fd: Int32, to size: Int64, _ path: String) throws(JobLedgerError) {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw failure("truncate", path)
        }
    }

    /// Reads exactly `count` bytes at `offset` (fewer where the file ends sooner).
    static func read(_ fd: Int32, at offset: Int64, count: Int, _ path: String) throws(JobLedgerError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let done = try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(JobLedgerError) in try read(fd, at: offset, into: buffer, path) }
        }.get()
        return Array(bytes[..<done])
    }

    /// Fills `buffer` with the bytes at `offset`, or with as many as the file has from there:
    /// how many.
    static func read(_ fd: Int32, at offset: Int64, into buffer: UnsafeMutableRawBufferPointer, _ path: String) throws(JobLedgerError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    typealias SyncFS = @convention(c) (Int32) -> Int32

    /// Linux's `syncfs(2)`, found at run time (the Glibc module does not declare it).
    static let syncfs: SyncFS? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: SyncFS.self)
    }()

    /// Makes a directory's entries (new files) durable.
    static func syncDirectory(_ path: String) throws(JobLedgerError) {
        let fd = try openDirectory(path)
        defer { close(fd) }
        try sync(fd, path)
    }

    enum Kind { case file, directory, symlink, other }

    /// What `path` is: with `followLinks`, what it leads to (`stat`); without, the entry itself
    /// (`lstat`), so a symbolic link is ``Kind/symlink``.
    static func kind(of path: String, followLinks: Bool = true) -> Kind? {
        status(of: path, followLinks: followLinks)?.kind
    }

    /// What `path` is (as ``kind(of:followLinks:)``) and its size in bytes.
    static func status(of path: String, followLinks: Bool = true) -> (kind: Kind, size: Int64)? {
        var info = stat()
        guard (followLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        return (kind(info.st_mode), Int64(info.st_size))
    }

    /// The kind of a file from its mode.
    private static func kind(_ mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFREG: .file
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        default: .other
        }
    }

    /// ``status(of:followLinks:)`` without following links, of each of `names` in `directory`,
    /// on up to `threads` threads (a stat is a system call; a store's directory can hold a
    /// hundred thousand logs).
    static func statuses(of names: [String], in directory: String, threads: Int) -> [(kind: Kind, size: Int64)?] {
        let results = UnsafeMutableBufferPointer<(kind: Kind, size: Int64)?>.allocate(capacity: names.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let dirfd = (try? openDirectory(directory)) ?? -1
        defer { if dirfd >= 0 { close(dirfd) } }
        @Sendable func ask(_ range: Range<Int>, _ out: UnsafeMutableBufferPointer<(kind: Kind, size: Int64)?>) {
            for index in range {
                var info = stat()
                let found =
                    dirfd >= 0
                    ? fstatat(dirfd, names[index], &info, AT_SYMLINK_NOFOLLOW) == 0
                    : lstat(directory + "/" + names[index], &info) == 0
                guard found else { continue }
                out[index] = (kind(info.st_mode), Int64(info.st_size))
            }
        }
        // A thread for every 2,048 names at most: starting one costs more than a few stats.
        let parts = min(threads, max(1, names.count / 2048))
        let size = (names.count + parts - 1) / max(parts, 1)
        if parts > 1 {
            let done = OSCondition()
            let remaining = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            remaining.initialize(to: parts - 1)
            defer { remaining.deallocate() }
            nonisolated(unsafe) let shared = (results, remaining)
            for part in 1..<parts {
                OSThread.start(name: "stat-\(part)", stackSize: 256 << 10) {
                    ask(part * size..<min(names.count, (part + 1) * size), shared.0)
                    done.lock()
                    shared.1.pointee -= 1
                    if shared.1.pointee == 0 { done.signal() }
                    done.unlock()
                }
            }
            ask(0..<min(names.count, size), results)
            done.lock()
            while remaining.pointee > 0 { done.wait() }
            done.unlock()
        } else {
            ask(0..<names.count, results)
        }
        return Array(results)
    }

    /// The names in a directory, sorted bytewise, without `.` and `..`.
    static func entries(of path: String) throws(JobLedgerError) -> [String] {
        let listing = try DirectoryListing(of: path, hidden: true)
        return (0..<listing.count).map(listing.name)
    }

    /// Creates `path` and any missing parents (`mkdir -p`), owner only (`0700`, less the umask);
    /// each new directory's entry is made durable in its parent.
    static func makeDirectory(_ path: String) throws(JobLedgerError) {
        if kind(of: path) == .directory { return }
        var parent = "."
        if let slash = path.lastIndex(of: "/") {
            parent = slash == path.startIndex ? "/" : String(path[..<slash])
            if slash != path.startIndex { try makeDirectory(parent) }
        }
        guard mkdir(path, 0o700) == 0 else {
            if errno == EEXIST, kind(of: path) == .directory { return }
            throw failure("create directory", path)
        }
        try syncDirectory(parent)
    }

    // MARK: The end of a log

    /// Reads a file backwards a byte at a time, through a small buffer: 128 bytes first (a log
    /// whose last line ends an append needs its last two), twice as many each time after, up to
    /// 64 KB.
    private struct BackwardReader {
        let fd: Int32
        let path: String
        let lower: Int64
        var chunkStart: Int64 = 0
        var chunk: [UInt8] = []
        var chunkSize: Int64 = 128

        mutating func byte(at position: Int64) throws(JobLedgerError) -> UInt8 {
            if position < chunkStart || position >= chunkStart + Int64(chunk.count) {
                chunkStart = max(lower, position + 1 - chunkSize)
                chunkSize = min(chunkSize * 2, 64 << 10)
                chunk = try FileIO.read(fd, at: chunkStart, count: Int(position + 1 - chunkStart), path)
                guard position < chunkStart + Int64(chunk.count) else {
                    throw JobLedgerError(.io, "the file shrank while it was read", file: path)
                }
            }
            return chunk[Int(position - chunkStart)]
        }
    }

    /// The end of a log's committed lines at or after `lower` (which must be a line start), for a
    /// file of `size` bytes: just after the last line that ends an append. Past it is a torn
    /// tail — bytes after the last `\n`, and complete lines that end with a tab, which say
    /// "more of this append follows" (docs/log-format.md, "Batches") — that a crash cut short.
    static func committedEnd(_ fd: Int32, from lower: Int64, size: Int64, _ path: String) throws(JobLedgerError) -> Int64 {
        // Most logs end with a line that ends an append: their last two bytes say so.
        if size - lower >= 2 {
            var last: (UInt8, UInt8) = (0, 0)
            let read = withUnsafeMutableBytes(of: &last) { pread(fd, $0.baseAddress!, 2, off_t(size - 2)) }
            if read == 2 && last.1 == UInt8(ascii: "\n") && last.0 != LogFraming.continued { return size }
        }
        var reader = BackwardReader(fd: fd, path: path, lower: lower)
        return try committedEnd(from: lower, size: size) { position throws(JobLedgerError) in try reader.byte(at: position) }
    }

    /// ``committedEnd(_:from:size:_:)`` of a whole log already read into memory.
    static func committedEnd(of bytes: UnsafeRawBufferPointer) -> Int64 {
        committedEnd(from: 0, size: Int64(bytes.count)) { bytes[Int($0)] }
    }

    /// The committed end of the `size` bytes from `lower` on, each read by `byte`.
    @inline(__always)
    private static func committedEnd<Failure: Error>(from lower: Int64, size: Int64, byte: (Int64) throws(Failure) -> UInt8)
        throws(Failure) -> Int64
    {
        let newline = UInt8(ascii: "\n")
        var position = size - 1
        while position >= lower, try byte(position) != newline { position -= 1 }
        while position >= lower {
            // A line ends at `position`: it ends an append unless its last byte is a space.
            guard position > lower, try byte(position - 1) == LogFraming.continued else { return position + 1 }
            position -= 1
            while position >= lower, try byte(position) != newline { position -= 1 }
        }
        return lower
    }

    /// Copies `count` bytes at `offset` of `from` to the end of `to`, in bounded pieces.
    static func copy(_ from: Int32, at offset: Int64, count: Int64, fromPath: String, to: Int32, toPath: String) throws(JobLedgerError) {
        var done: Int64 = 0
        while done < count {
            let piece = try read(from, at: offset + done, count: Int(min(count - done, 1 << 20)), fromPath)
            guard !piece.isEmpty else { break }
            try writeAll(to, piece, toPath)
            done += Int64(piece.count)
        }
    }

    /// Whether the last `count` bytes of `a` (ending at `aEnd`) equal the `count` bytes of `b` at
    /// `bOffset`, compared in bounded pieces.
    static func sameBytes(_ a: Int32, endingAt aEnd: Int64, _ aPath: String, _ b: Int32, at bOffset: Int64, _ bPath: String, count: Int64)
        throws(JobLedgerError) -> Bool
    {
        guard aEnd >= count else { return false }
        var done: Int64 = 0
        while done < count {
            let length = Int(min(count - done, 1 << 20))
            let left = try read(a, at: aEnd - count + done, count: length, aPath)
            let right = try read(b, at: bOffset + done, count: length, bPath)
            guard left == right, left.count == length else { return false }
            done += Int64(length)
        }
        return true
    }
}
