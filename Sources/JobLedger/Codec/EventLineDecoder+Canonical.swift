#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fast path: lines in exactly the shape JobLedger writes them.
extension EventLineDecoder {
    /// What every canonical line starts with: `{"seq":N,"at":"TIME","job":"ID","type":"TYPE"`.
    struct Envelope {
        var seq: Int
        var at: Timestamp
        var jobStart: Int
        var jobEnd: Int
        /// Whether the job is exactly the `knownJob` given (found by one comparison).
        var jobKnown: Bool
        var type: EventType
        /// Where the type's fields (or the closing brace) begin.
        var end: Int
    }

    /// Reads a canonical line's envelope, or returns `nil` having decided nothing.
    @inline(__always)
    mutating func readEnvelope(_ p: UnsafePointer<UInt8>, _ n: Int, _ knownJob: UnsafeBufferPointer<UInt8>?) -> Envelope? {
        // Each literal is compared as one or two little-endian words (the constants spell it);
        // a line too short to load them goes the general way.
        guard Self.literal(p, 0, n, 0x3A_2271_6573_227B, 0xFF_FFFF_FFFF_FFFF) else { return nil }  // {"seq":
        var i = 7
        // The digits through the one integer reader; the literal after them ends the number.
        let (value, seqEnd) = JSONInteger.digits(p, from: i, n)
        guard seqEnd > i, seqEnd - i <= 18, p[i] != UInt8(ascii: "0") else { return nil }
        i = seqEnd
        guard Self.literal(p, i, n, 0x22_3A22_7461_222C, 0xFF_FFFF_FFFF_FFFF) else { return nil }  // ,"at":"
        i += 7
        guard let (stamp, stampLength) = try? Timestamp.read(p + i, count: n - i, cache: &minutes) else { return nil }
        i += stampLength
        guard Self.literal(p, i, n, 0x3A22_626F_6A22_2C22, ~0, 0x22, 0xFF) else { return nil }  // ","job":"
        i += 9
        // The job: the known job's bytes, or a run of plain job id characters.
        let jobStart = i
        var jobKnown = false
        if let knownJob, let bytes = knownJob.baseAddress, n - i > knownJob.count, p[i + knownJob.count] == UInt8(ascii: "\""),
            Self.same(bytes, p + i, knownJob.count)
        {
            i += knownJob.count
            jobKnown = true
        } else {
            while i < n, JobID.isAllowed(p[i]) { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "\"") else { return nil }
        }
        let jobEnd = i
        guard Self.literal(p, i, n, 0x2265_7079_7422_2C22, ~0, 0x223A, 0xFFFF) else { return nil }  // ","type":"
        i += 10
        guard let (known, typeLength) = names.quotedType(p + i, n - i) else { return nil }
        return Envelope(seq: value, at: stamp, jobStart: jobStart, jobEnd: jobEnd, jobKnown: jobKnown, type: known, end: i + typeLength)
    }

    /// Whether `p[i...]` starts with the literal spelled by the masked little-endian words.
    @inline(__always)
    static func literal(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ first: UInt64, _ firstMask: UInt64,
                        _ rest: UInt32 = 0, _ restMask: UInt32 = 0) -> Bool {
        guard n - i >= 12 else { return false }
        let raw = UnsafeRawPointer(p + i)
        return raw.loadUnaligned(as: UInt64.self) & firstMask == first
            && raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self) & restMask == rest
    }

    /// Whether `count` bytes at `a` and `b` are equal: word compares, no call (job ids are short);
    /// the last word overlaps the one before it rather than go byte by byte.
    @inline(__always)
    static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let x = UnsafeRawPointer(a)
        let y = UnsafeRawPointer(b)
        // A UUID's 36 bytes (and any id of 33 to 40): five words, one branch.
        if count > 32 && count <= 40 {
            var diff = x.loadUnaligned(as: UInt64.self) ^ y.loadUnaligned(as: UInt64.self)
            diff |= x.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            diff |= x.loadUnaligned(fromByteOffset: 16, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            diff |= x.loadUnaligned(fromByteOffset: 24, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            diff |= x.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            return diff == 0
        }
        guard count >= 8 else {
            var i = 0
            while i < count {
                if a[i] != b[i] { return false }
                i += 1
            }
            return true
        }
        var i = 0
        while i < count - 8 {
            if x.loadUnaligned(fromByteOffset: i, as: UInt64.self) != y.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        return x.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }

    /// `,"model":"TEXT"` at `start`, TEXT not empty, printable ASCII without quote or backslash
    /// (what needs no unescaping): the range of TEXT.
    @inline(__always)
    static func modelField(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Range<Int>? {
        guard Self.literal(p, start, n, 0x226C_6564_6F6D_222C, ~0, 0x223A, 0xFFFF) else { return nil }  // ,"model":"
        var i = start + 10
        let textStart = i
        while i < n, p[i] >= 0x20, p[i] < 0x80, p[i] != UInt8(ascii: "\""), p[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < n, p[i] == UInt8(ascii: "\""), i > textStart else { return nil }
        return textStart..<i
    }

    /// The types whose canonical line has no fields: their optional fields (`files`, `resources`)
    /// absent, the event is its type alone.
    @inline(__always)
    static func hasNoFields(_ type: EventType) -> Bool {
        switch type {
        case .queued, .datasetUploadStarted, .dataProcessingStarted, .dataProcessed, .trainingStarted, .trainingFinished,
            .modelUploadStarted, .published, .modelImported:
            return true
        default:
            return false
        }
    }

    /// `,"percent":N` at `start`, N one to three digits, the first not 0 unless alone: the value
    /// and where it ends. The digits are read by three tests, not the general integer reader.
    @inline(__always)
    static func percentField(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> (Int, Int)? {
        guard Self.literal(p, start, n, 0x6E65_6372_6570_222C, ~0, 0x3A_2274, 0xFF_FFFF) else { return nil }  // ,"percent":
        let i = start &+ 11
        // Each digit is followed by a byte of the line (a `}` at least), so each is loaded only
        // when the line holds the byte after it.
        guard n &- i >= 2 else { return nil }
        let d0 = Int(p[i] &- UInt8(ascii: "0"))
        let d1 = Int(p[i &+ 1] &- UInt8(ascii: "0"))
        guard d0 <= 9 else { return nil }
        if d1 > 9 { return (d0, i &+ 1) }
        guard d0 != 0, n &- i >= 3 else { return nil }
        let d2 = Int(p[i &+ 2] &- UInt8(ascii: "0"))
        if d2 > 9 { return (d0 &* 10 &+ d1, i &+ 2) }
        guard n &- i >= 4, Int(p[i &+ 3] &- UInt8(ascii: "0")) > 9 else { return nil }
        return (d0 &* 100 &+ d1 &* 10 &+ d2, i &+ 3)
    }

    /// The origin spelled by `span`, or `nil` (the general path then words the error).
    @inline(__always)
    static func origin(_ p: UnsafePointer<UInt8>, _ span: Span) -> Origin? {
        let raw = UnsafeRawPointer(p + span.start)
        switch span.end - span.start {
        case 3 where raw.loadUnaligned(as: UInt16.self) == 0x7061 && p[span.start + 2] == UInt8(ascii: "i"): return .api  // ap i
        case 7 where raw.loadUnaligned(as: UInt32.self) == 0x736E_6F63 && raw.loadUnaligned(fromByteOffset: 3, as: UInt32.self) == 0x656C_6F73:
            return .console  // cons sole
        default: return nil
        }
    }

    /// Reads a line in exactly the form JobLedger writes it (keys in order, no whitespace, no
    /// escapes, the frequent event shapes), or returns `false` having decided nothing: the
    /// general reader then reads the line from the start and words any error. Lines it accepts
    /// decode to what the general reader would make of them.
    @inline(__always)
    mutating func readCanonical(_ p: UnsafePointer<UInt8>, _ n: Int, _ knownJob: UnsafeBufferPointer<UInt8>?) -> Bool {
        guard let envelope = readEnvelope(p, n, knownJob) else { return false }
        let known = envelope.type
        var i = envelope.end
        // The type's fields, in the frequent shapes. Nothing is stored until the whole line is
        // known to be canonical, so a line that goes the general way finds no trace of this try.
        var fields: UInt32 = 0
        var string = Span()
        var percent = 0
        var isPlain = true
        switch known {
        case .progressed:
            guard let (read, end) = Self.percentField(p, i, n) else { return false }
            percent = read
            i = end
            fields = LineField.percent.bit
        case .created:
            guard Self.literal(p, i, n, 0x6E69_6769_726F_222C, ~0, 0x22_3A22, 0xFF_FFFF) else { return false }  // ,"origin":"
            i += 11
            let start = i
            while i < n, p[i] >= UInt8(ascii: "a"), p[i] <= UInt8(ascii: "z") { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
            string = Span(start: start, end: i, escaped: false)
            i += 1
            fields = LineField.origin.bit
            isPlain = false
        case .completed:
            guard let model = Self.modelField(p, i, n) else { return false }
            string = Span(start: model.lowerBound, end: model.upperBound, escaped: false)
            i = model.upperBound + 1
            fields = LineField.model.bit
            isPlain = false
        default:
            guard Self.hasNoFields(known) else { return false }
        }
        guard i == n - 1, p[i] == UInt8(ascii: "}") else { return false }
        switch known {
        case .progressed: self.percent = percent
        case .created:
            strings[LineField.origin.rawValue] = string
            canonicalOrigin = Self.origin(p, string)
        case .completed: strings[LineField.model.rawValue] = string
        default: break
        }
        seq = envelope.seq
        at = envelope.at
        job = Span(start: envelope.jobStart, end: envelope.jobEnd, escaped: false)
        jobIsKnown = envelope.jobKnown
        plain = isPlain
        canonical = true
        type = known
        present = LineField.envelope | fields
        return true
    }
}
