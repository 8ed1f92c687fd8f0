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

    /// Opens `path`; `nil` when it does not exist and `flags` do not create it.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(JobLedgerError) -> Int32? {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            if errno == ENOENT && flags & O_CREAT == 0 { return nil }
            throw failure("open", path)
        }
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
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ path: String) throws(JobLedgerError) {
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            written += n
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(JobLedgerError) {
        let result: Result<Void, JobLedgerError> = bytes.withUnsafeBytes { buffer in
            do throws(JobLedgerError) {
                try writeAll(fd, buffer, path)
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

    /// Reads exactly `count` bytes at `offset`.
    static func read(_ fd: Int32, at offset: Int64, count: Int, _ path: String) throws(JobLedgerError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[..<done])
    }

    typealias SyncFS = @convention(c) (Int32) -> Int32

    /// Linux's `syncfs(2)`, found at run time (the Glibc module does not declare it).
    static let syncfs: SyncFS? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: SyncFS.self)
    }()

    /// Makes everything written to the file system holding `path` durable, with one call where
    /// the platform has `syncfs`; `nil` if it has not (callers then sync file by file).
    static func syncFileSystem(_ path: String) throws(JobLedgerError) -> Bool {
        guard let syncfs else { return false }
        guard let fd = try open(path, O_RDONLY | O_DIRECTORY) else { throw failure("open directory", path, code: ENOENT) }
        defer { close(fd) }
        guard syncfs(fd) == 0 else { throw failure("sync the file system of", path) }
        return true
    }

    /// Makes a directory's entries (new files) durable.
    static func syncDirectory(_ path: String) throws(JobLedgerError) {
        guard let fd = try open(path, O_RDONLY | O_DIRECTORY) else { throw failure("open directory", path, code: ENOENT) }
        defer { close(fd) }
        try sync(fd, path)
    }

    enum Kind { case file, directory, other }

    static func kind(of path: String) -> Kind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The names in a directory, sorted bytewise, without `.` and `..`.
    static func entries(of path: String) throws(JobLedgerError) -> [String] {
        guard let dir = opendir(path) else { throw failure("list directory", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Creates `path` and any missing parents (`mkdir -p`).
    static func makeDirectory(_ path: String) throws(JobLedgerError) {
        if kind(of: path) == .directory { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectory(String(path[..<slash]))
        }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw failure("create directory", path) }
    }
}
