#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fast path: lines in exactly the shape JobLedger writes them.
extension EventLineDecoder {
    /// Reads a line in exactly the form JobLedger writes it (keys in order, no whitespace, no
    /// escapes, the frequent event shapes), or returns `false` having decided nothing: the
    /// general reader then reads the line from the start and words any error. Lines it accepts
    /// decode to what the general reader would make of them.
    @inline(__always)
    mutating func readCanonical(_ p: UnsafePointer<UInt8>, _ n: Int, _ knownJob: UnsafeBufferPointer<UInt8>?) -> Bool {
        // Each literal is compared as one or two little-endian words (the constants spell it);
        // a line too short to load them goes the general way.
        let raw = UnsafeRawPointer(p)
        @inline(__always) func word(_ i: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) }
        @inline(__always) func literal(_ i: Int, _ first: UInt64, _ firstMask: UInt64, _ rest: UInt32 = 0,
                                       _ restMask: UInt32 = 0) -> Bool {
            guard n - i >= 12 else { return false }
            return word(i) & firstMask == first
                && raw.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self) & restMask == rest
        }
        guard literal(0, 0x3A_2271_6573_227B, 0xFF_FFFF_FFFF_FFFF) else { return false }  // {"seq":
        var i = 7
        // The digits through the one integer reader; the literal after them ends the number.
        let (value, seqEnd) = JSONInteger.digits(p, from: i, n)
        guard seqEnd > i, seqEnd - i <= 18, p[i] != UInt8(ascii: "0") else { return false }
        i = seqEnd
        guard literal(i, 0x22_3A22_7461_222C, 0xFF_FFFF_FFFF_FFFF) else { return false }  // ,"at":"
        i += 7
        guard let (stamp, stampLength) = try? Timestamp.read(p + i, count: n - i, cache: &days) else { return false }
        i += stampLength
        guard literal(i, 0x3A22_626F_6A22_2C22, ~0, 0x22, 0xFF) else { return false }  // ","job":"
        i += 9
        // The job: the known job's bytes, or a run of plain job id characters.
        let jobStart = i
        var jobKnown = false
        if let knownJob, let bytes = knownJob.baseAddress, n - i > knownJob.count, p[i + knownJob.count] == UInt8(ascii: "\""),
            memcmp(bytes, p + i, knownJob.count) == 0
        {
            i += knownJob.count
            jobKnown = true
        } else {
            while i < n, JobID.isAllowed(p[i]) { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
        }
        let jobEnd = i
        guard literal(i, 0x2265_7079_7422_2C22, ~0, 0x223A, 0xFFFF) else { return false }  // ","type":"
        i += 10
        guard let (known, typeLength) = names.quotedType(p + i, n - i) else { return false }
        i += typeLength
        // The type's fields, in the frequent shapes. Nothing is stored until the whole line is
        // known to be canonical, so a line that goes the general way finds no trace of this try.
        var fields: UInt32 = 0
        var string = Span()
        var percent = 0
        switch known {
        case .progressed:
            guard literal(i, 0x6E65_6372_6570_222C, ~0, 0x3A_2274, 0xFF_FFFF) else { return false }  // ,"percent":
            i += 11
            let (read, end) = JSONInteger.digits(p, from: i, n)
            guard end > i, end - i <= 3, p[i] != UInt8(ascii: "0") || end == i + 1 else { return false }
            percent = read
            i = end
            fields = LineField.percent.bit
        case .created:
            guard literal(i, 0x6E69_6769_726F_222C, ~0, 0x22_3A22, 0xFF_FFFF) else { return false }  // ,"origin":"
            i += 11
            let start = i
            while i < n, p[i] >= UInt8(ascii: "a"), p[i] <= UInt8(ascii: "z") { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
            string = Span(start: start, end: i, escaped: false)
            i += 1
            fields = LineField.origin.bit
        case .completed:
            guard literal(i, 0x226C_6564_6F6D_222C, ~0, 0x223A, 0xFFFF) else { return false }  // ,"model":"
            i += 10
            let start = i
            while i < n, p[i] >= 0x20, p[i] < 0x80, p[i] != UInt8(ascii: "\""), p[i] != UInt8(ascii: "\\") { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "\""), i > start else { return false }
            string = Span(start: start, end: i, escaped: false)
            i += 1
            fields = LineField.model.bit
        case .queued, .datasetUploadStarted, .dataProcessingStarted, .dataProcessed, .trainingStarted, .trainingFinished,
            .modelUploadStarted, .published, .modelImported:
            break
        default:
            return false
        }
        guard i == n - 1, p[i] == UInt8(ascii: "}") else { return false }
        switch known {
        case .progressed: self.percent = percent
        case .created: strings[LineField.origin.rawValue] = string
        case .completed: strings[LineField.model.rawValue] = string
        default: break
        }
        seq = value
        at = stamp
        job = Span(start: jobStart, end: jobEnd, escaped: false)
        jobIsKnown = jobKnown
        type = known
        present = LineField.envelope | fields
        return true
    }
}
