#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JobLedger

/// Buffered standard output and error: replay writes a line a job, so stdout is flushed in large
/// writes.
struct Output {
    private var buffer: [UInt8] = []
    /// The first error writing to stdout other than a closed pipe (e.g. `ENOSPC` for
    /// `> /dev/full`): the command then fails, since its output is lost.
    private(set) var writeError: Int32?

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func write(_ bytes: [UInt8]) { write(bytes[...]) }

    /// Bytes of a larger buffer: a large piece is written as it is, not copied into the buffer.
    mutating func write(_ bytes: ArraySlice<UInt8>) {
        if bytes.count >= 1 << 16 {
            flush()
            bytes.withUnsafeBytes { writeOut($0) }
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func json(_ value: some JSONRenderable) {
        var writer = JSONWriter()
        value.write(to: &writer)
        writer.bytes.append(UInt8(ascii: "\n"))
        write(writer.bytes)
    }

    mutating func flush() {
        buffer.withUnsafeBytes { writeOut($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func writeOut(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(1, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                // A pipe closed by its reader (e.g. `head`) wants no more: not an error.
                if n < 0 && errno != EPIPE && writeError == nil { writeError = errno }
                break
            }
            offset += n
        }
    }

    /// `jobledger: <file>:<line>: <message>` on stderr.
    static func error(_ message: String) {
        let text = "jobledger: \(message)\n"
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(2, $0.baseAddress!, $0.count - 1) }
    }

    static func error(_ error: JobLedgerError) { Output.error(error.description) }
}

/// The exit status for a library error: argument problems are usage (2), the rest rejections (1).
func exitCode(for error: JobLedgerError) -> ExitCode {
    switch error.code {
    case .invalidJobID, .invalidPagination, .invalidArgument: .usage
    default: .rejected
    }
}
