/// The identifier of a job: 1 to 128 characters of `A-Z a-z 0-9 . _ -`, not starting with `.`
/// (SPEC 1).
///
/// A job id names its log file (`<job>.jsonl`), so anything else is refused as bad input and never
/// turned into a path: no `/`, no `..`, no hidden files, nothing a shell or file system treats
/// specially.
public struct JobID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The id's text, always valid.
    public let rawValue: String

    /// Checks `string` against the job id rule.
    /// - Throws: `invalid_job_id` naming the offending character or length.
    public init(_ string: String) throws(JobLedgerError) {
        if let problem = JobID.problem(with: string) {
            throw JobLedgerError(.invalidJobID, "invalid job id \(JobLedgerError.quote(string)): \(problem)")
        }
        rawValue = string
    }

    /// `nil` unless `string` is a valid job id.
    public init?(validating string: String) {
        guard JobID.problem(with: string) == nil else { return nil }
        rawValue = string
    }

    init(unchecked string: String) { rawValue = string }

    public var description: String { rawValue }

    public static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8) }

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
        /// Bit 7 of each lane set where `lo <= x <= hi`.
        @inline(__always) func within(_ x: UInt64, _ lo: UInt64, _ hi: UInt64) -> UInt64 {
            (x &+ lanes(0x80 &- lo)) & ~(x &+ lanes(0x7F &- hi)) & high
        }
        // A-Z and a-z are one range once bit 5 is set; `_` is the one byte that then joins them
        // wrongly (0x5F | 0x20 = 0x7F is outside a-z), so it is tested apart.
        let letters = within(word | lanes(0x20), 0x61, 0x7A)
        let digitsAndPunctuation = within(word, 0x30, 0x39) | within(word, 0x2D, 0x2E)
        let underscore = ~((word ^ lanes(0x5F)) &+ lanes(0x7F)) & high
        return letters | digitsAndPunctuation | underscore == high
    }

    /// `- . 0-9` (45, 46, 48…57).
    static let allowedLow: UInt64 = (1 << 45) | (1 << 46) | (0x3FF << 48)
    /// `A-Z _ a-z` (65…90, 95, 97…122), shifted down by 64.
    static let allowedHigh: UInt64 = (0x3FF_FFFF << 1) | (1 << 31) | (0x3FF_FFFF << 33)

    /// The name of this job's log file in a directory store.
    public var fileName: String { rawValue + ".jsonl" }

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
