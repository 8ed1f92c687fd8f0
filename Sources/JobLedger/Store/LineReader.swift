#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the complete lines of a file between two offsets, in large reads, with memory flat in
/// the file's length: the buffer holds one chunk plus at most one partial line, and a line longer
/// than ``LogLimits/maximumLineLength`` is skipped, not held.
struct LineReader: ~Copyable {
    let fd: Int32
    let path: String
    private var buffer: UnsafeMutableRawBufferPointer
    /// Whether `buffer` is this reader's (else the caller's scratch, see ``init(fd:path:from:to:scratch:)``).
    private var ownsBuffer: Bool
    /// File offset of `buffer[0]`.
    private var bufferOffset: Int64
    /// Where reading stops (the committed end of a log).
    private let limit: Int64
    private var filled = 0
    private var consumed = 0
    private var atEOF = false
    /// While skipping an overlong line: the offset it began at.
    private var overlongStart: Int64?

    static let chunkSize = 1 << 20

    /// - Parameter scratch: a buffer the caller lends for the reader's life (one per thread, for
    ///   many small files: a buffer of a few kilobytes allocated and freed per file is what makes
    ///   the allocator sort its free lists again and again). Used when the file fits.
    init(fd: Int32, path: String, from offset: Int64 = 0, to limit: Int64 = .max, scratch: UnsafeMutableRawBufferPointer? = nil) {
        self.fd = fd
        self.path = path
        self.limit = limit
        // A small log gets a buffer its size (from the heap, not a mapping of its own: threads
        // replaying many small files would otherwise contend for the process's address space).
        let size = limit == .max ? Self.chunkSize : Int(min(Int64(Self.chunkSize), max(4096, limit - offset + 1)))
        if let scratch, scratch.count >= size {
            buffer = scratch
            ownsBuffer = false
        } else {
            buffer = .allocate(byteCount: size, alignment: 16)
            ownsBuffer = true
        }
        bufferOffset = offset
    }

    /// A reader of a file whose first `count` bytes are already in `buffer` (lent, as `scratch`
    /// above, and larger than the file): the lines up to `limit` are read from there.
    init(fd: Int32, path: String, to limit: Int64, read buffer: UnsafeMutableRawBufferPointer, count: Int) {
        precondition(count < buffer.count && limit <= count, "a file read whole, with room to spare")
        self.fd = fd
        self.path = path
        self.limit = limit
        self.buffer = buffer
        ownsBuffer = false
        bufferOffset = 0
        filled = Int(limit)
        atEOF = true
    }

    deinit { if ownsBuffer { buffer.deallocate() } }

    /// What follows the last complete line: its offset and length (0 when the file ends with `\n`).
    struct Tail {
        var offset: Int64
        var count: Int64
    }

    /// Calls `body` with each complete line (without its `\n`), its length and the file offset
    /// just after it. For a line longer than ``LogLimits/maximumLineLength`` the length is its
    /// true length and the bytes must not be read: callers check the length first.
    /// - Returns: the tail after the last complete line — a torn write, or a line being written.
    @inline(__always)
    mutating func forEachLine(
        _ body: (UnsafePointer<UInt8>, Int, Int64) throws(JobLedgerError) -> Void
    ) throws(JobLedgerError) -> Tail {
        try forEachLine(trying: { _, _, _ in 0 }, body)
    }

    /// ``forEachLine(_:)``, offering each line's start to `fast` first: it gets the start, the
    /// bytes read from there on, and the start's file offset, and returns how many bytes of
    /// complete lines (with their `\n`s) it read and handled from there — the reader moves past
    /// them without searching for their newlines — or 0, and `body` gets the line as ever.
    mutating func forEachLine(
        trying fast: (UnsafePointer<UInt8>, Int, Int64) -> Int,
        _ body: (UnsafePointer<UInt8>, Int, Int64) throws(JobLedgerError) -> Void
    ) throws(JobLedgerError) -> Tail {
        while true {
            let base = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
            while consumed < filled {
                if overlongStart == nil {
                    let used = fast(base + consumed, filled - consumed, bufferOffset + Int64(consumed))
                    if used > 0 {
                        consumed += used
                        continue
                    }
                }
                guard let newline = memchr(base + consumed, 0x0A, filled - consumed) else { break }
                let end = UnsafeRawPointer(newline) - UnsafeRawPointer(base)
                let after = bufferOffset + Int64(end) + 1
                if let start = overlongStart {
                    overlongStart = nil
                    try body(base, Int(after - 1 - start), after)
                } else {
                    try body(base + consumed, end - consumed, after)
                }
                consumed = end + 1
            }
            if atEOF {
                let start = overlongStart ?? (bufferOffset + Int64(consumed))
                return Tail(offset: start, count: bufferOffset + Int64(filled) - start)
            }
            try refill()
        }
    }

    /// Keeps the partial line, growing the buffer if one line fills it (up to the line limit;
    /// past it the line's bytes are dropped and only its start kept), and reads more.
    private mutating func refill() throws(JobLedgerError) {
        let keep = filled - consumed
        if overlongStart == nil && keep > LogLimits.maximumLineLength {
            overlongStart = bufferOffset + Int64(consumed)
        }
        if overlongStart != nil {
            // Drop the overlong line's bytes read so far.
            bufferOffset += Int64(filled)
            filled = 0
            consumed = 0
        } else if consumed > 0 {
            if keep > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + consumed, byteCount: keep) }
            bufferOffset += Int64(consumed)
            filled = keep
            consumed = 0
        }
        if filled == buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: filled)
            if ownsBuffer { buffer.deallocate() }
            buffer = bigger
            ownsBuffer = true
        }
        let position = bufferOffset + Int64(filled)
        let wanted = Int(min(Int64(buffer.count - filled), max(0, limit - position)))
        guard wanted > 0 else {
            atEOF = true
            return
        }
        while true {
            let n = pread(fd, buffer.baseAddress! + filled, wanted, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIO.failure("read", path)
            }
            if n == 0 { atEOF = true } else { filled += n }
            return
        }
    }
}
