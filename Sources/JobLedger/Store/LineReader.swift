#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the complete lines of a file from an offset, in large reads, with memory flat in the
/// file's length: the buffer holds one chunk plus at most one partial line.
struct LineReader: ~Copyable {
    let fd: Int32
    let path: String
    private var buffer: UnsafeMutableRawBufferPointer
    /// File offset of `buffer[0]`.
    private var bufferOffset: Int64
    private var filled = 0
    private var consumed = 0
    private var atEOF = false

    static let chunkSize = 1 << 20

    init(fd: Int32, path: String, from offset: Int64 = 0) {
        self.fd = fd
        self.path = path
        buffer = .allocate(byteCount: Self.chunkSize, alignment: 16)
        bufferOffset = offset
    }

    deinit { buffer.deallocate() }

    /// What follows the last complete line: its offset and length (0 when the file ends with `\n`).
    struct Tail {
        var offset: Int64
        var count: Int
    }

    /// Calls `body` with each complete line (without its `\n`) and the file offset just after it.
    /// - Returns: the tail after the last complete line — a torn write, or a line being written.
    mutating func forEachLine(
        _ body: (UnsafePointer<UInt8>, Int, Int64) throws(JobLedgerError) -> Void
    ) throws(JobLedgerError) -> Tail {
        while true {
            let base = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
            while consumed < filled {
                guard let newline = memchr(base + consumed, 0x0A, filled - consumed) else { break }
                let end = UnsafeRawPointer(newline) - UnsafeRawPointer(base)
                try body(base + consumed, end - consumed, bufferOffset + Int64(end) + 1)
                consumed = end + 1
            }
            if atEOF { return Tail(offset: bufferOffset + Int64(consumed), count: filled - consumed) }
            try refill()
        }
    }

    /// Keeps the partial line, growing the buffer if one line fills it, and reads more.
    private mutating func refill() throws(JobLedgerError) {
        let keep = filled - consumed
        if consumed > 0 {
            if keep > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + consumed, byteCount: keep) }
            bufferOffset += Int64(consumed)
            filled = keep
            consumed = 0
        }
        if filled == buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: filled)
            buffer.deallocate()
            buffer = bigger
        }
        while true {
            let n = pread(fd, buffer.baseAddress! + filled, buffer.count - filled, off_t(bufferOffset) + off_t(filled))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIO.failure("read", path)
            }
            if n == 0 { atEOF = true } else { filled += n }
            return
        }
    }
}
