#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time with nanosecond precision: the `at` of an event.
///
/// In the log it is RFC 3339 in UTC (SPEC 3): `2026-11-22T10:00:00Z`, fractional seconds allowed
/// (up to nine digits). Reading also accepts a numeric offset (`+02:00`) and converts it to UTC;
/// writing always uses `Z` and the shortest fraction that keeps the value. Years run from 0000 to
/// 9999, as RFC 3339 allows; a leap second (`:60`) is refused, since the Unix time scale the
/// vocabularies use has no place for it.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public let seconds: Int64
    /// Nanoseconds past `seconds`, 0 ..< 1,000,000,000.
    public let nanoseconds: Int32

    /// A timestamp; nanoseconds outside 0 ..< 10⁹ carry into the seconds. Never traps: a sum
    /// past `Int64`'s range saturates. A log accepts only ``logRange`` (years 0000…9999); an
    /// append with a time outside it is refused as `invalid_event`.
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        // Floor division without overflow: the carry is at most ±9.3 × 10⁹.
        var carry = nanoseconds / 1_000_000_000
        var rest = nanoseconds % 1_000_000_000
        if rest < 0 {
            carry -= 1
            rest += 1_000_000_000
        }
        let (sum, overflow) = seconds.addingReportingOverflow(carry)
        if overflow {
            self.seconds = carry > 0 ? .max : .min
            self.nanoseconds = carry > 0 ? 999_999_999 : 0
        } else {
            self.seconds = sum
            self.nanoseconds = Int32(rest)
        }
    }

    /// The current time of the system clock.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int64(spec.tv_nsec))
    }

    /// Now, or `last` if the clock is behind it: the time of an event appended without one,
    /// taken under the job's lock so it never goes before the job's last event.
    public static func now(notBefore last: Timestamp?) -> Timestamp {
        let now = Timestamp.now()
        guard let last else { return now }
        return max(now, last)
    }

    /// Whole Unix seconds, rounded down: the `created_at`/`finished_at` of Novita and Bluesight.
    public var unixSeconds: Int64 { seconds }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    public var description: String { rfc3339 }

    // MARK: RFC 3339

    /// Earliest and latest instants RFC 3339's four-digit years can write.
    static let earliestSeconds: Int64 = daysFromCivil(year: 0, month: 1, day: 1) * 86_400
    static let latestSeconds: Int64 = daysFromCivil(year: 9999, month: 12, day: 31) * 86_400 + 86_399

    /// The times a log can hold: 0000-01-01T00:00:00Z … 9999-12-31T23:59:59.999999999Z, what
    /// RFC 3339's four-digit years can write in UTC. The reader refuses any other, so the writer
    /// refuses them too.
    public static let logRange: ClosedRange<Timestamp> =
        Timestamp(uncheckedSeconds: earliestSeconds, nanoseconds: 0)...Timestamp(
            uncheckedSeconds: latestSeconds, nanoseconds: 999_999_999)

    /// Whether a log can hold this time (``logRange``).
    public var isInLogRange: Bool { seconds >= Self.earliestSeconds && seconds <= Self.latestSeconds }

    /// Parses RFC 3339 text, e.g. `2026-11-22T10:00:00Z` or `2026-11-22T10:00:00.25+01:00`.
    public init?(rfc3339 text: String) {
        var text = text
        let parsed: Timestamp? = text.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return try? Timestamp.parse(base, count: buffer.count)
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// The RFC 3339 UTC form, `Z`-suffixed, with the shortest fraction that keeps the value.
    public var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(30)
        appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func appendRFC3339(to bytes: inout [UInt8]) {
        withRFC3339 { text in text.withMemoryRebound(to: UInt8.self) { bytes.append(contentsOf: $0) } }
    }

    /// Calls `body` with this time's RFC 3339 text, written into a scratch buffer (no
    /// allocation).
    func withRFC3339<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var minute = MinuteText()
        return withRFC3339(minute: &minute, body)
    }

    /// ``withRFC3339(_:)`` with a writer's minute cache (see ``MinuteText``): the same text.
    @inline(__always)
    package func withRFC3339<Result>(minute: inout MinuteText, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)  // 48 bytes: room for the longest
        return withUnsafeMutableBytes(of: &scratch) { text in
            let count = writeRFC3339(to: text.baseAddress!.assumingMemoryBound(to: UInt8.self), minute: &minute)
            return body(UnsafeRawBufferPointer(rebasing: text[..<count]))
        }
    }

    /// The most bytes ``writeRFC3339(to:minute:)`` writes: a year out of RFC 3339's range takes
    /// up to 20 characters with its sign, then `-MM-DDTHH:MM:SS`, `.` and 9 digits, and `Z`.
    static let maximumRFC3339Length = 46

    /// The text of the last minute a writer wrote (`YYYY-MM-DDTHH:MM`) and the seconds it spans:
    /// the counterpart of the reader's ``MinuteCache``. The lines of an append nearly always
    /// share their minute, and the date's arithmetic (``civilFromDays(_:)``) and its digits are
    /// most of what a time costs to write; in the cached minute only `:SS`, the fraction and `Z`
    /// are written. Only years 0000…9999 are kept (their text is always 16 bytes).
    package struct MinuteText {
        /// The minute's seconds since 1970; empty (matching no time) until a minute is kept.
        var seconds: Range<Int64> = 0..<0
        /// `YYYY-MM-DDTHH:MM`, as two words in memory order.
        var text: (UInt64, UInt64) = (0, 0)
        package init() {}
        init(seconds: Range<Int64>, text: (UInt64, UInt64)) {
            self.seconds = seconds
            self.text = text
        }
    }

    /// Writes this time's RFC 3339 text at `p`, which has room for ``maximumRFC3339Length``
    /// bytes, and returns its length: the date, hour and minute are taken from `minute` when
    /// this time falls in it, and kept there when they are worked out.
    @inline(__always)
    func writeRFC3339(to p: UnsafeMutablePointer<UInt8>, minute: inout MinuteText) -> Int {
        var count: Int
        let second: Int
        if minute.seconds.contains(seconds) {
            let raw = UnsafeMutableRawPointer(p)
            raw.storeBytes(of: minute.text.0, as: UInt64.self)
            raw.storeBytes(of: minute.text.1, toByteOffset: 8, as: UInt64.self)
            count = 16
            second = Int(seconds &- minute.seconds.lowerBound)
        } else {
            (count, second) = writeRFC3339Minute(to: p, minute: &minute)
        }
        Self.one(UInt8(ascii: ":"), at: p, &count)
        Self.two(second, at: p, &count)
        if nanoseconds > 0 {
            Self.one(UInt8(ascii: "."), at: p, &count)
            var fraction = Int(nanoseconds)
            var digits = 9
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                Self.one(UInt8(ascii: "0") + UInt8(fraction / divisor % 10), at: p, &count)
                divisor /= 10
            }
        }
        Self.one(UInt8(ascii: "Z"), at: p, &count)
        return count
    }

    /// Writes `YYYY-MM-DDTHH:MM` of this time at `p` and keeps it in `minute` if its year is in
    /// RFC 3339's range. Out of line: most times of an append find their minute kept.
    /// - Returns: the bytes written and the second within the minute.
    @inline(never)
    private func writeRFC3339Minute(to p: UnsafeMutablePointer<UInt8>, minute: inout MinuteText) -> (count: Int, second: Int) {
        // Floor division that cannot overflow, even at Int64.min.
        var days = seconds / 86_400
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += 86_400
        }
        let (year, month, day) = Self.civilFromDays(days)
        let inRange = year >= 0 && year <= 9999
        // Plain stores through a pointer: local functions capturing `count` made the compiler
        // box it and check each access at run time (a third of a batched append's time).
        var count = 0
        if inRange {
            Self.two(Int(year) / 100, at: p, &count)
            Self.two(Int(year) % 100, at: p, &count)
        } else {
            // Outside RFC 3339's range; written with a sign so it still reads back unambiguously wrong.
            count = JSONWriter.withDecimal(Int(year)) { digits in
                p.update(from: digits.baseAddress!.assumingMemoryBound(to: UInt8.self), count: digits.count)
                return digits.count
            }
        }
        Self.one(UInt8(ascii: "-"), at: p, &count)
        Self.two(month, at: p, &count)
        Self.one(UInt8(ascii: "-"), at: p, &count)
        Self.two(day, at: p, &count)
        Self.one(UInt8(ascii: "T"), at: p, &count)
        Self.two(secondOfDay / 3600, at: p, &count)
        Self.one(UInt8(ascii: ":"), at: p, &count)
        Self.two(secondOfDay / 60 % 60, at: p, &count)
        let second = secondOfDay % 60
        if inRange {
            // In range, the minute's first second is at least `earliestSeconds`: no overflow.
            let first = seconds - Int64(second)
            let raw = UnsafeRawPointer(p)
            minute = MinuteText(
                seconds: first..<first + 60,
                text: (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        return (count, second)
    }

    /// Writes `value` (0…99) as two digits at `p[count]` and moves `count` on.
    @inline(__always)
    private static func two(_ value: Int, at p: UnsafeMutablePointer<UInt8>, _ count: inout Int) {
        p[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10)
        p[count + 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
        count += 2
    }

    @inline(__always)
    private static func one(_ byte: UInt8, at p: UnsafeMutablePointer<UInt8>, _ count: inout Int) {
        p[count] = byte
        count += 1
    }

    /// Why RFC 3339 text was refused.
    package struct ParseError: Error {
        package var message: String
    }

    /// Parses RFC 3339 from bytes: the whole of `p[0..<n]` must be one timestamp.
    static func parse(_ p: UnsafePointer<UInt8>, count n: Int) throws(ParseError) -> Timestamp {
        var cache = MinuteCache()
        return try parse(p, count: n, cache: &cache)
    }

    /// ``parse(_:count:)`` with a reader's minute cache.
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, count n: Int, cache: inout MinuteCache) throws(ParseError) -> Timestamp {
        let (time, length) = try read(p, count: n, cache: &cache)
        guard length == n else { throw ParseError(message: "unexpected text after the time zone") }
        return time
    }

    /// The seconds of the last minute read, keyed by its sixteen bytes (`YYYY-MM-DDTHH:MM`, stored
    /// only once they were read without fault): a log's lines share their dates, hours and mostly
    /// minutes, and those are the costly part of a time.
    package struct MinuteCache {
        var minute: (UInt64, UInt64) = (0, 0)
        package private(set) var seconds: Int64 = 0
        package init() {}
        init(minute: (UInt64, UInt64), seconds: Int64) {
            self.minute = minute
            self.seconds = seconds
        }
    }

    /// Reads one RFC 3339 timestamp at the start of `p[0..<n]` — the one reader of times, for the
    /// log's fast path, its general reader and the API alike.
    /// - Returns: the time (in UTC, offsets converted) and how many bytes it took.
    /// - Throws: what is wrong, with the 1-based character.
    @inline(__always)
    package static func read(_ p: UnsafePointer<UInt8>, count n: Int, cache: inout MinuteCache) throws(ParseError) -> (Timestamp, Int) {
        if let quick = readInCachedMinute(p, count: n, cache: cache) { return quick }
        return try readAny(p, count: n, cache: &cache)
    }

    /// The most frequent time, read inline: `YYYY-MM-DDTHH:MM:SSZ` in the cached minute. `nil`
    /// (deciding nothing) for any other.
    @inline(__always)
    static func readInCachedMinute(_ p: UnsafePointer<UInt8>, count n: Int, cache: MinuteCache) -> (Timestamp, Int)? {
        guard n >= 20 else { return nil }
        let raw = UnsafeRawPointer(p)
        // `:SSZ` as one word: the colon and the Z, and two bytes 0x30…0x3F, then digit ranges.
        let tail = raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
        guard raw.loadUnaligned(as: UInt64.self) == cache.minute.0,
            raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == cache.minute.1,
            tail & 0xFFF0_F0FF == 0x5A30_303A
        else { return nil }
        let tens = (tail >> 8) & 0x0F
        let ones = (tail >> 16) & 0x0F
        guard tens <= 5, ones <= 9 else { return nil }
        return (Timestamp(uncheckedSeconds: cache.seconds &+ Int64(tens &* 10 &+ ones), nanoseconds: 0), 20)
    }

    @inline(never)
    private static func readAny(_ p: UnsafePointer<UInt8>, count n: Int, cache: inout MinuteCache) throws(ParseError) -> (Timestamp, Int) {
        @inline(__always) func digit(_ i: Int) throws(ParseError) -> Int {
            let d = p[i] &- UInt8(ascii: "0")
            guard d <= 9 else { throw ParseError(message: "expected a digit at character \(i + 1)") }
            return Int(d)
        }
        @inline(__always) func sep(_ i: Int, _ c: UInt8) throws(ParseError) {
            guard p[i] == c else {
                throw ParseError(message: "expected '\(Character(Unicode.Scalar(c)))' at character \(i + 1)")
            }
        }
        guard n >= 20 else { throw ParseError(message: "too short for RFC 3339 (YYYY-MM-DDTHH:MM:SSZ)") }
        let raw = UnsafeRawPointer(p)
        let minuteKey = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let minuteSeconds: Int64
        if minuteKey == cache.minute {
            minuteSeconds = cache.seconds
        } else {
            let year = try digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
            try sep(4, UInt8(ascii: "-"))
            let month = try digit(5) * 10 + digit(6)
            try sep(7, UInt8(ascii: "-"))
            let day = try digit(8) * 10 + digit(9)
            guard month >= 1 && month <= 12 else { throw ParseError(message: "month \(month) out of range") }
            guard day >= 1 && day <= daysInMonth(year: year, month: month) else {
                throw ParseError(message: "day \(day) out of range for \(year)-\(month < 10 ? "0" : "")\(month)")
            }
            guard p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: "t") else {
                throw ParseError(message: "expected 'T' at character 11")
            }
            let hour = try digit(11) * 10 + digit(12)
            try sep(13, UInt8(ascii: ":"))
            let minute = try digit(14) * 10 + digit(15)
            // The second's digits are read before the hour's range is checked, as ever, so a
            // malformed time is worded the same whatever the cache holds.
            try sep(16, UInt8(ascii: ":"))
            _ = try digit(17) * 10 + digit(18)
            guard hour <= 23 else { throw ParseError(message: "hour \(hour) out of range") }
            guard minute <= 59 else { throw ParseError(message: "minute \(minute) out of range") }
            minuteSeconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60)
            cache = MinuteCache(minute: minuteKey, seconds: minuteSeconds)
        }
        try sep(16, UInt8(ascii: ":"))
        let second = try digit(17) * 10 + digit(18)
        guard second <= 59 else { throw ParseError(message: "second \(second) out of range (leap seconds are not accepted)") }
        var i = 19
        var nanos = 0
        if p[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < n, p[i] &- UInt8(ascii: "0") <= 9 {
                guard i - fractionStart < 9 else { throw ParseError(message: "more than nine fractional digits") }
                nanos = nanos * 10 + Int(p[i] &- UInt8(ascii: "0"))
                i += 1
            }
            guard i > fractionStart else { throw ParseError(message: "expected a digit after '.'") }
            for _ in (i - fractionStart)..<9 { nanos *= 10 }
        }
        guard i < n else { throw ParseError(message: "missing time zone ('Z' or an offset)") }
        var offsetSeconds = 0
        switch p[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard n - i >= 6 else { throw ParseError(message: "offset must be ±HH:MM") }
            let offsetHour = try digit(i + 1) * 10 + digit(i + 2)
            try sep(i + 3, UInt8(ascii: ":"))
            let offsetMinute = try digit(i + 4) * 10 + digit(i + 5)
            guard offsetHour <= 23, offsetMinute <= 59 else { throw ParseError(message: "offset out of range") }
            offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (p[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            throw ParseError(message: "expected 'Z' or an offset at character \(i + 1)")
        }
        let seconds = minuteSeconds + Int64(second - offsetSeconds)
        guard offsetSeconds == 0 || (seconds >= earliestSeconds && seconds <= latestSeconds) else {
            throw ParseError(message: "outside 0000-01-01T00:00:00Z…9999-12-31T23:59:59Z once converted to UTC")
        }
        return (Timestamp(uncheckedSeconds: seconds, nanoseconds: Int32(nanos)), i)
    }

    @inline(__always) init(uncheckedSeconds seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    static func isLeapYear(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    @inline(__always)
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468)
    }

    /// The proleptic Gregorian date of days since 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Timestamp: Codable {
    /// Encodes as RFC 3339 UTC text, the form llama-stack's `date-time` fields use.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not RFC 3339: \(text)")
        }
        self = value
    }
}
