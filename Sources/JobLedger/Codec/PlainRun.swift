/// One job's plain lines in a row, read the fast way — the replay's most frequent lines.
///
/// A plain line is a canonical line (keys in order, no whitespace, no escapes) of the job whose
/// event has no fields, is `progressed` with only its percent, or `completed` with a model that
/// needs no unescaping. What the job's state makes certain of its next line is checked as bytes,
/// not parsed: the digits of the `seq` it must carry (counted up in place from line to line),
/// the job's id, the type of the line before (tried first: a job's lines often repeat one).
/// Only the time's seconds and a percent are read as numbers.
///
/// A line that differs in any way — another `seq`, another job, another shape, a time outside
/// the minute read last and not canonical — is `nil`, deciding nothing: the general reader
/// (``EventLineDecoder/decode(_:count:knownJob:)``) then reads it and words any error, so a
/// line means the same whichever reader took it.
struct PlainRun {
    /// What a plain line tells beyond its `seq` (which is ``seq`` before the line was read).
    struct Line {
        var seq: Int
        var at: Timestamp
        var type: EventType
        /// A `progressed` line's percent; 0 for the others.
        var percent: Int
        /// A `completed` line's model: its bytes' range in the line (between its quotes).
        var model: Range<Int>
        /// The line's length without its `\n`.
        var count: Int
    }

    private let job: UnsafePointer<UInt8>
    private let jobCount: Int
    /// The `seq` the next line must carry.
    private(set) var seq: Int
    /// Its digits and the comma after them, little-endian, in the low ``seqBytes`` bytes. With
    /// more than seven digits ``seqBytes`` is 0 and no line is read here: the ten-millionth
    /// event of one job and those after it go the general way.
    private var seqWord: UInt64 = 0
    private var seqMask: UInt64 = 0
    private var seqBytes = 0
    /// The last line's type.
    private var lastType: UnsafeMutablePointer<LineNames.Name<EventType>>?
    private let types: LineNames.Table<EventType>

    /// The run of `job`'s lines whose first must carry `seq`; `names` is the decoder's.
    init(job: UnsafeBufferPointer<UInt8>, seq: Int, names: LineNames) {
        types = names.types
        self.job = job.baseAddress!
        jobCount = job.count
        self.seq = seq
        spell()
    }

    /// Spells ``seq`` into ``seqWord``.
    private mutating func spell() {
        // A run mostly starts at a job's second line, or is tried at another job's first line
        // after a short job's last: one or two digits, spelled without a loop.
        if seq > 0 && seq < 10 {
            seqWord = UInt64(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: seq)) | UInt64(UInt8(ascii: ",")) << 8
            seqBytes = 2
            seqMask = 0xFFFF
            return
        }
        if seq >= 10 && seq < 100 {
            let tens = seq / 10
            let ones = seq &- tens &* 10
            seqWord = UInt64(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: tens)) | UInt64(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: ones)) << 8
                | UInt64(UInt8(ascii: ",")) << 16
            seqBytes = 3
            seqMask = 0xFF_FFFF
            return
        }
        var digits = 0
        var rest = seq
        repeat {
            digits += 1
            rest /= 10
        } while rest > 0
        guard seq > 0, digits <= 7 else {
            seqBytes = 0
            return
        }
        var word = UInt64(UInt8(ascii: ",")) << (8 * UInt64(digits))
        rest = seq
        for position in (0..<digits).reversed() {
            word |= UInt64(UInt8(ascii: "0") + UInt8(rest % 10)) << (8 * UInt64(position))
            rest /= 10
        }
        seqWord = word
        seqBytes = digits + 1
        seqMask = seqBytes == 8 ? ~0 : (1 << (8 * UInt64(seqBytes))) - 1
    }

    /// Moves on to the next `seq`: its last digit counted up in place, or ``carry()``.
    @inline(__always)
    private mutating func next() {
        seq &+= 1
        let shift = 8 * UInt64(seqBytes &- 2)
        if seqBytes > 0, (seqWord >> shift) & 0xFF != UInt64(UInt8(ascii: "9")) {
            seqWord &+= 1 << shift
            return
        }
        carry()
    }

    /// The next `seq` after a last digit 9: the 9s turn 0 and carry, and a 1 goes in front when
    /// all were 9 (out of line: one line in ten at most).
    @inline(never)
    private mutating func carry() {
        guard seqBytes > 0 else { return }
        var shift = 8 * UInt64(seqBytes &- 2)
        while (seqWord >> shift) & 0xFF == UInt64(UInt8(ascii: "9")) {
            seqWord &-= 9 << shift
            guard shift > 0 else {
                guard seqBytes < 8 else {
                    seqBytes = 0
                    return
                }
                seqWord = seqWord << 8 | UInt64(UInt8(ascii: "1"))
                seqBytes &+= 1
                seqMask = seqMask << 8 | 0xFF
                return
            }
            shift &-= 8
        }
        seqWord &+= 1 << shift
    }

    /// Folds the run of `job`'s lines from `p` on into `state`, the job's, each ending with its `\n` within
    /// `p[0..<limit]`, adding the bytes they take (`\n`s included) to `used` and their count to
    /// `lines`, until a line is no plain line of the run (not counted) or the fold refuses one
    /// (counted, then thrown: the state is as before it).
    @inline(__always)
    static func fold(
        _ p: UnsafePointer<UInt8>, limit: Int, job: UnsafeBufferPointer<UInt8>, names: LineNames, into state: inout JobState,
        minutes: inout Timestamp.MinuteCache, used: inout Int, lines: inout Int
    ) throws(JobLedgerError) {
        var run = PlainRun(job: job, seq: state.seq &+ 1, names: names)
        try run.fold(p, limit: limit, into: &state, minutes: &minutes, used: &used, lines: &lines)
    }

    @inline(__always)
    private mutating func fold(
        _ p: UnsafePointer<UInt8>, limit: Int, into state: inout JobState, minutes: inout Timestamp.MinuteCache,
        used: inout Int, lines: inout Int
    ) throws(JobLedgerError) {
        let rules = TransitionTable.rules
        while let line = read(p + used, limit: min(limit - used, 4096), minutes: &minutes) {
            let start = p + used
            used &+= line.count &+ 1
            lines &+= 1
            if line.type == .completed {
                // The model's bytes need no unescaping and are not empty (`modelField`): the
                // event as the general reader makes it, folded as `apply` folds it.
                let model = String(decoding: UnsafeBufferPointer(rebasing: UnsafeBufferPointer(start: start, count: line.count)[line.model]), as: UTF8.self)
                try state.applyCompleted(seq: line.seq, at: line.at, model: model)
            } else {
                try state.applyPlain(seq: line.seq, at: line.at, type: line.type, percent: line.percent, rule: rules[line.type.ordinal])
            }
        }
    }

    /// Reads the plain line at `p`, which must end with its `\n` within `p[0..<n]`, and moves on
    /// to the next `seq`; `nil`, changing nothing but the minute cache, for any other line.
    @inline(__always)
    mutating func read(_ p: UnsafePointer<UInt8>, limit n: Int, minutes: inout Timestamp.MinuteCache) -> Line? {
        let raw = UnsafeRawPointer(p)
        // `{"seq":` and the expected digits with their comma. Then at least `"at":"TIME","job":"`,
        // the job, `","type":"` and one word of type are there to be loaded: 60 bytes and the job.
        guard n >= 60 &+ seqBytes &+ jobCount, seqBytes > 0,
            raw.loadUnaligned(as: UInt64.self) & 0xFF_FFFF_FFFF_FFFF == 0x3A_2271_6573_227B,
            raw.loadUnaligned(fromByteOffset: 7, as: UInt64.self) & seqMask == seqWord
        else { return nil }
        var i = 7 &+ seqBytes
        // `"at":"` and the time: inside the minute read last, or any canonical time.
        guard raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0xFFFF_FFFF_FFFF == 0x223A_2274_6122 else { return nil }
        i &+= 6
        // Inline, not `Timestamp.read`: in the cached minute the time is 20 bytes, and the offsets
        // after it are then constants (1 % of the replay's instructions).
        let at: Timestamp
        if let (quick, _) = Timestamp.readInCachedMinute(p + i, count: 20, cache: minutes) {
            at = quick
            i &+= 20
        } else {
            guard let (stamp, length) = try? Timestamp.read(p + i, count: n - i, cache: &minutes) else { return nil }
            at = stamp
            i &+= length
            guard n - i >= 27 &+ jobCount else { return nil }
        }
        // `","job":"`, the job, `","type":"`.
        guard raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) == 0x3A22_626F_6A22_2C22, p[i &+ 8] == UInt8(ascii: "\"") else {
            return nil
        }
        i &+= 9
        guard EventLineDecoder.same(job, p + i, jobCount) else { return nil }
        i &+= jobCount
        guard raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) == 0x2265_7079_7422_2C22,
            raw.loadUnaligned(fromByteOffset: i &+ 8, as: UInt16.self) == 0x223A
        else { return nil }
        i &+= 10
        // The type: the last line's, or looked up.
        let w0 = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        let entry: UnsafeMutablePointer<LineNames.Name<EventType>>
        if let last = lastType, LineNames.Table<EventType>.matches(last, raw + i, w0, n - i) {
            entry = last
        } else {
            guard let found = types.quotedEntry(p + i, n - i) else { return nil }
            entry = found
            lastType = found
        }
        let type = entry.pointee.value
        i &+= entry.pointee.quotedLength
        // The fields.
        var percent = 0
        var model = 0..<0
        switch type {
        case .progressed:
            guard let (read, end) = EventLineDecoder.percentField(p, i, n) else { return nil }
            percent = read
            i = end
        case .completed:
            guard let text = EventLineDecoder.modelField(p, i, n) else { return nil }
            model = text
            i = text.upperBound &+ 1
        default:
            guard EventLineDecoder.hasNoFields(type) else { return nil }
        }
        // `}` and the newline, or `}`, a batch's tab (docs/log-format.md, "Batches") and the newline.
        guard i &+ 1 < n, p[i] == UInt8(ascii: "}") else { return nil }
        var count = i &+ 1
        if p[count] != UInt8(ascii: "\n") {
            guard count &+ 1 < n, p[count] == LogFraming.continued, p[count &+ 1] == UInt8(ascii: "\n") else { return nil }
            count &+= 1
        }
        let line = Line(seq: seq, at: at, type: type, percent: percent, model: model, count: count)
        next()
        return line
    }
}

/// A job's first line the fast way: `{"seq":1,"at":"TIME","job":"ID","type":"created","origin":"api"}`
/// (or `"console"`), exactly as JobLedger writes it, the line being `p[0..<n]` without its `\n`.
/// Any other line, or one with a byte out of place, is `nil` and goes the general way, which words
/// any error — as for ``PlainRun``.
struct CreatedLine {
    var at: Timestamp
    /// The job's id: `p[idStart..<idEnd]`, every byte an allowed one (``JobID/isAllowed(_:)``).
    var idStart: Int
    var idEnd: Int
    var origin: Origin

    @inline(__always)
    init?(_ p: UnsafePointer<UInt8>, count n: Int, minutes: inout Timestamp.MinuteCache) {
        let raw = UnsafeRawPointer(p)
        // `{"seq":1,"at":"`, the time, `","job":"`: 44 bytes with a canonical time; then at least a
        // byte of id and the 34 bytes after it (`","type":"created","origin":"api"}`).
        guard n >= 79, raw.loadUnaligned(as: UInt64.self) == 0x313A_2271_6573_227B,
            raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & 0xFF_FFFF_FFFF_FFFF == 0x22_3A22_7461_222C
        else { return nil }
        var i = 15
        guard let (time, length) = try? Timestamp.read(p + i, count: n - i, cache: &minutes) else { return nil }
        at = time
        i &+= length
        guard n - i >= 44, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) == 0x3A22_626F_6A22_2C22,
            p[i &+ 8] == UInt8(ascii: "\"")
        else { return nil }
        i &+= 9
        idStart = i
        // From the end: `"}` and, back to its opening quote, the origin (a short word).
        guard p[n &- 2] == UInt8(ascii: "\""), p[n &- 1] == UInt8(ascii: "}") else { return nil }
        var originStart = n &- 3
        while originStart > i, p[originStart] != UInt8(ascii: "\"") { originStart &-= 1 }
        originStart &+= 1
        // Before it `","type":"created","origin":"` (29 bytes, four words, the last overlapping),
        // and before that the id, every byte an allowed one.
        idEnd = originStart &- 29
        guard idEnd > idStart, JobID.allAllowed(p + idStart, idEnd &- idStart),
            raw.loadUnaligned(fromByteOffset: idEnd, as: UInt64.self) == 0x2265_7079_7422_2C22,
            raw.loadUnaligned(fromByteOffset: idEnd &+ 8, as: UInt64.self) == 0x6574_6165_7263_223A,
            raw.loadUnaligned(fromByteOffset: idEnd &+ 16, as: UInt64.self) == 0x6769_726F_222C_2264,
            raw.loadUnaligned(fromByteOffset: idEnd &+ 21, as: UInt64.self) == 0x223A_226E_6967_6972,
            let origin = EventLineDecoder.origin(p, EventLineDecoder.Span(start: originStart, end: n &- 2, escaped: false))
        else { return nil }
        self.origin = origin
    }
}
