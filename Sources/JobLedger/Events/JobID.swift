/// The identifier of a job: 1 to 128 characters of `A-Z a-z 0-9 . _ -`, not starting with `.`
/// (SPEC 1).
///
/// A job id names its log file (`<job>.jsonl`), so anything else is refused as bad input and never
/// turned into a path: no `/`, no `..`, no hidden files, nothing a shell or file system treats
/// specially.
public struct JobID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The id, in one of two forms. The form follows from the text alone (a text that is a
    /// lowercase UUID is always held as one), so two ids are equal exactly when their texts are.
    private let storage: Storage

    private enum Storage: Sendable, Hashable {
        /// A UUID in lowercase canonical form (`8-4-4-4-12` hex digits), as its 128 bits: the
        /// most common id holds no string (a replay makes one id per job, a store keeps one per
        /// job), and is compared and hashed as two words.
        case uuid(UInt64, UInt64)
        case text(String)
    }

    /// The id's text, always valid.
    public var rawValue: String {
        switch storage {
        case .text(let text): text
        case .uuid(let high, let low):
            String(unsafeUninitializedCapacity: Self.uuidLength) { (buffer: UnsafeMutableBufferPointer<UInt8>) -> Int in
                Self.spell(high, low, into: UnsafeMutableRawPointer(buffer.baseAddress.unsafelyUnwrapped))
                return Self.uuidLength
            }
        }
    }

    /// Checks `string` against the job id rule.
    /// - Throws: `invalid_job_id` naming the offending character or length.
    public init(_ string: String) throws(JobLedgerError) {
        if let problem = JobID.problem(with: string) {
            throw JobLedgerError(.invalidJobID, "invalid job id \(JobLedgerError.quote(string)): \(problem)")
        }
        self.init(unchecked: string)
    }

    /// `nil` unless `string` is a valid job id.
    public init?(validating string: String) {
        guard JobID.problem(with: string) == nil else { return nil }
        self.init(unchecked: string)
    }

    init(unchecked string: String) {
        var text = string
        if text.utf8.count == Self.uuidLength, let (high, low) = text.withUTF8({ Self.uuid($0) }) {
            storage = .uuid(high, low)
        } else {
            storage = .text(string)
        }
    }

    /// The id whose text is `bytes`, known to be a valid id (a log line's, already checked).
    init(uncheckedUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        if let (high, low) = Self.uuid(bytes) {
            storage = .uuid(high, low)
        } else {
            storage = .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    public var description: String { rawValue }

    /// Calls `body` with the id's text as UTF-8 bytes, without making a `String`.
    @inline(__always)
    func withUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        switch storage {
        case .text(let text):
            var text = text
            return try text.withUTF8(body)
        case .uuid(let high, let low):
            var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
            return try withUnsafeMutableBytes(of: &bytes) { raw in
                Self.spell(high, low, into: raw.baseAddress.unsafelyUnwrapped)
                return try body(UnsafeBufferPointer(start: raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self), count: Self.uuidLength))
            }
        }
    }

    /// The 128 bits of a UUID id; `nil` for another.
    var uuidWords: (UInt64, UInt64)? {
        if case .uuid(let high, let low) = storage { (high, low) } else { nil }
    }

    /// Whether the id's text is `bytes`.
    @inline(__always)
    func hasText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch storage {
        case .uuid(let high, let low):
            guard let (h, l) = Self.uuid(bytes) else { return false }
            return h == high && l == low
        case .text(let text):
            var text = text
            return text.withUTF8 { $0.count == bytes.count && memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
        }
    }

    /// Text order (UTF-8 bytes); two UUIDs in their words (the same order: hex digits sort as
    /// their values, and the dashes stand at the same places).
    public static func < (lhs: JobID, rhs: JobID) -> Bool {
        if case .uuid(let lh, let ll) = lhs.storage, case .uuid(let rh, let rl) = rhs.storage {
            return lh < rh || (lh == rh && ll < rl)
        }
        return lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    // MARK: UUIDs

    static let uuidLength = 36

    /// The 128 bits of `bytes` if they are a UUID in lowercase canonical form.
    @inline(__always)
    private static func uuid(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard bytes.count == uuidLength else { return nil }
        let raw = UnsafeRawPointer(bytes.baseAddress.unsafelyUnwrapped)
        let dash = UInt8(ascii: "-")
        guard raw.load(fromByteOffset: 8, as: UInt8.self) == dash, raw.load(fromByteOffset: 13, as: UInt8.self) == dash,
            raw.load(fromByteOffset: 18, as: UInt8.self) == dash, raw.load(fromByteOffset: 23, as: UInt8.self) == dash,
            let a = hex8(raw.loadUnaligned(as: UInt64.self)),
            let b = hex8(UInt64(raw.loadUnaligned(fromByteOffset: 9, as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: 14, as: UInt32.self)) << 32),
            let c = hex8(UInt64(raw.loadUnaligned(fromByteOffset: 19, as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: 24, as: UInt32.self)) << 32),
            let d = hex8(raw.loadUnaligned(fromByteOffset: 28, as: UInt64.self))
        else { return nil }
        return (UInt64(a) << 32 | UInt64(b), UInt64(c) << 32 | UInt64(d))
    }

    /// The value of eight lowercase hex digits (the first in the lowest byte of `word`), or `nil`
    /// if a byte is another.
    @inline(__always)
    private static func hex8(_ word: UInt64) -> UInt32? {
        let high: UInt64 = 0x8080_8080_8080_8080
        guard word & high == 0 else { return nil }
        let digits = lanesWithin(word, 0x30, 0x39)
        let letters = lanesWithin(word, 0x61, 0x66)
        guard digits | letters == high else { return nil }
        // Each lane's value: its low nibble, plus 9 for a letter (bit 6 set).
        let values = (word & 0x0F0F_0F0F_0F0F_0F0F) &+ ((word >> 6) & 0x0101_0101_0101_0101) &* 9
        // Pairs of lanes to bytes (the first lane is the high nibble), then the bytes together.
        let pairs = (values & 0x000F_000F_000F_000F) << 4 | (values >> 8) & 0x000F_000F_000F_000F
        let quads = (pairs | pairs >> 8) & 0x0000_FFFF_0000_FFFF
        let bytes = UInt32(truncatingIfNeeded: quads | quads >> 16)
        return bytes.byteSwapped
    }

    /// Bit 7 of each byte of `word` (each below 0x80) set where the byte lies in `lo...hi`.
    @inline(__always)
    static func lanesWithin(_ word: UInt64, _ lo: UInt64, _ hi: UInt64) -> UInt64 {
        let lanes: UInt64 = 0x0101_0101_0101_0101
        return (word &+ (0x80 &- lo) &* lanes) & ~(word &+ (0x7F &- hi) &* lanes) & 0x8080_8080_8080_8080
    }

    /// Writes the 36 bytes of the UUID `high`, `low` in lowercase canonical form at `target`.
    @inline(__always)
    private static func spell(_ high: UInt64, _ low: UInt64, into target: UnsafeMutableRawPointer) {
        target.storeBytes(of: digits8(UInt32(truncatingIfNeeded: high >> 32)), as: UInt64.self)
        let b = digits8(UInt32(truncatingIfNeeded: high))
        let c = digits8(UInt32(truncatingIfNeeded: low >> 32))
        target.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 8, as: UInt8.self)
        target.storeBytes(of: UInt32(truncatingIfNeeded: b), toByteOffset: 9, as: UInt32.self)
        target.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 13, as: UInt8.self)
        target.storeBytes(of: UInt32(truncatingIfNeeded: b >> 32), toByteOffset: 14, as: UInt32.self)
        target.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 18, as: UInt8.self)
        target.storeBytes(of: UInt32(truncatingIfNeeded: c), toByteOffset: 19, as: UInt32.self)
        target.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 23, as: UInt8.self)
        target.storeBytes(of: UInt32(truncatingIfNeeded: c >> 32), toByteOffset: 24, as: UInt32.self)
        target.storeBytes(of: digits8(UInt32(truncatingIfNeeded: low)), toByteOffset: 28, as: UInt64.self)
    }

    /// The eight lowercase hex digits of `value`, the first in the lowest byte.
    @inline(__always)
    private static func digits8(_ value: UInt32) -> UInt64 {
        // Each byte of the value (the first in the lowest) to a pair of lanes, high nibble first.
        var spread = UInt64(value.byteSwapped)
        spread = (spread | spread << 16) & 0x0000_FFFF_0000_FFFF
        spread = (spread | spread << 8) & 0x00FF_00FF_00FF_00FF
        let nibbles = (spread >> 4) & 0x000F_000F_000F_000F | (spread & 0x000F_000F_000F_000F) << 8
        // '0' + n, and 0x27 more for a letter (n ≥ 10: n + 6 carries into bit 4).
        let letters = ((nibbles &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return nibbles &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
    }

    /// Why `string` is not a job id, or `nil` if it is one.
    public static func problem(with string: String) -> String? {
        var string = string
        return string.withUTF8 { problem(with: $0) }
    }

    /// With `charactersChecked`, the caller has seen that every byte is an allowed one
    /// (``isAllowed(_:)``), and only the length and the first character are checked.
    static func problem(with bytes: UnsafeBufferPointer<UInt8>, charactersChecked: Bool = false) -> String? {
        guard !bytes.isEmpty else { return "it is empty" }
        guard bytes.count <= 128 else { return "it has \(bytes.count) characters, at most 128 are allowed" }
        guard bytes[0] != UInt8(ascii: ".") else { return "it starts with '.'" }
        if charactersChecked { return nil }
        if allAllowed(bytes.baseAddress!, bytes.count) { return nil }
        for (i, b) in bytes.enumerated() where !isAllowed(b) {
            let shown = b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
            return "character \(i + 1) is \(shown); only A-Z a-z 0-9 . _ - are allowed"
        }
        return nil
    }

    @inline(__always) static func isAllowed(_ b: UInt8) -> Bool {
        // Bit b of the 128-bit ASCII mask is set for each allowed byte.
        b < 64 ? allowedLow & (1 << UInt64(b)) != 0 : b < 128 && allowedHigh & (1 << UInt64(b - 64)) != 0
    }

    /// Whether every byte of `p[0..<count]` is an allowed one: eight bytes at a time (a replay
    /// checks each job's id on its first line).
    @inline(__always) static func allAllowed(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard count >= 8 else {
            var allowed = true
            for i in 0..<count { allowed = allowed && isAllowed(p[i]) }
            return allowed
        }
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i &+ 8 < count {
            guard allAllowed(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) else { return false }
            i &+= 8
        }
        // The last eight bytes, overlapping bytes already checked.
        return allAllowed(raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self))
    }

    /// Whether all eight bytes of `word` are allowed ones, each tested as a lane: the sum of a
    /// byte below 0x80 and a constant below 0x80 never carries into the next byte.
    @inline(__always) static func allAllowed(_ word: UInt64) -> Bool {
        let high: UInt64 = 0x8080_8080_8080_8080
        guard word & high == 0 else { return false }
        @inline(__always) func lanes(_ byte: UInt64) -> UInt64 { byte &* 0x0101_0101_0101_0101 }
        // A-Z and a-z are one range once bit 5 is set; `_` is the one byte that then joins them
        // wrongly (0x5F | 0x20 = 0x7F is outside a-z), so it is tested apart.
        let letters = lanesWithin(word | lanes(0x20), 0x61, 0x7A)
        let digitsAndPunctuation = lanesWithin(word, 0x30, 0x39) | lanesWithin(word, 0x2D, 0x2E)
        let underscore = ~((word ^ lanes(0x5F)) &+ lanes(0x7F)) & high
        return letters | digitsAndPunctuation | underscore == high
    }

    /// `- . 0-9` (45, 46, 48…57).
    static let allowedLow: UInt64 = (1 << 45) | (1 << 46) | (0x3FF << 48)
    /// `A-Z _ a-z` (65…90, 95, 97…122), shifted down by 64.
    static let allowedHigh: UInt64 = (0x3FF_FFFF << 1) | (1 << 31) | (0x3FF_FFFF << 33)

    /// The name of this job's log file in a directory store: `<id>.jsonl`, made in one
    /// allocation (the id's text and then the suffix appended to it took two, and a copy; a
    /// directory store makes one for every job it meets).
    public var fileName: String {
        let suffix: StaticString = ".jsonl"
        return withUTF8 { id in
            String(unsafeUninitializedCapacity: id.count + suffix.utf8CodeUnitCount) { name in
                let base = name.baseAddress.unsafelyUnwrapped
                base.update(from: id.baseAddress.unsafelyUnwrapped, count: id.count)
                (base + id.count).update(from: suffix.utf8Start, count: suffix.utf8CodeUnitCount)
                return id.count + suffix.utf8CodeUnitCount
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let id = JobID(validating: string) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: JobID.problem(with: string) ?? "invalid job id")
        }
        self = id
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
