#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The names a line may use, as bytes, made once from the one table of each: ``LineField/name``
/// for keys and ``EventType``'s raw values for types. The fast path and the general reader both
/// look names up here, so they cannot disagree on a spelling.
///
/// Laid out flat in memory made once and never freed (no reference counting on the hot path):
/// each name's bytes, and the same followed by its closing quote as up to three little-endian
/// words, so a quoted name matches with word compares and no call.
struct LineNames: @unchecked Sendable {
    struct Name<Value> {
        var offset: Int
        var length: Int
        var value: Value
        /// The name and its closing quote (`quotedLength` bytes) as little-endian words, loaded
        /// so that no load reads past the quote: the first eight bytes (masked when shorter),
        /// the last eight, and bytes 8..<16 when the quoted name is longer than sixteen.
        var quotedLength: Int
        var first: UInt64
        var firstMask: UInt64
        var last: UInt64
        var middle: UInt64
    }

    /// Names grouped by first byte: those starting with byte `b` are `names[starts[b]..<starts[b + 1]]`.
    struct Table<Value> {
        let names: UnsafeMutableBufferPointer<Name<Value>>
        let starts: UnsafeMutableBufferPointer<Int>
        let bytes: UnsafeMutableBufferPointer<UInt8>

        init(_ entries: [(String, Value)]) {
            let sorted = entries.sorted { $0.0.utf8.first! < $1.0.utf8.first! }
            bytes = .allocate(capacity: sorted.reduce(0) { $0 + $1.0.utf8.count })
            names = .allocate(capacity: sorted.count)
            starts = .allocate(capacity: 257)
            var offset = 0
            for (index, (text, value)) in sorted.enumerated() {
                let utf8 = Array(text.utf8)
                precondition(utf8.count < 24, "a name longer than the word compare takes: \(text)")
                _ = UnsafeMutableBufferPointer(rebasing: bytes[offset..<offset + utf8.count]).initialize(from: utf8)
                let quoted = utf8 + [UInt8(ascii: "\"")]
                func load(_ start: Int) -> UInt64 {
                    var word: UInt64 = 0
                    for position in 0..<8 where start + position < quoted.count {
                        word |= UInt64(quoted[start + position]) << (8 * UInt64(position))
                    }
                    return word
                }
                let q = quoted.count
                names.baseAddress!.advanced(by: index).initialize(
                    to: Name(
                        offset: offset, length: utf8.count, value: value,
                        quotedLength: q, first: load(0), firstMask: q >= 8 ? ~0 : (1 << (8 * UInt64(q))) - 1,
                        last: q >= 8 ? load(q - 8) : 0, middle: q > 16 ? load(8) : 0))
                offset += utf8.count
            }
            var next = 0
            for first in 0...256 {
                while next < sorted.count, Int(sorted[next].0.utf8.first!) < first { next += 1 }
                starts[first] = next
            }
        }

        /// Whether the name and its closing quote start `raw[0..<n]` (`n` ≥ 8), whose first word is `w0`.
        @inline(__always)
        static func matches(_ name: UnsafeMutablePointer<Name<Value>>, _ raw: UnsafeRawPointer, _ w0: UInt64, _ n: Int) -> Bool {
            let length = name.pointee.quotedLength
            guard length <= n, w0 & name.pointee.firstMask == name.pointee.first else { return false }
            if length > 8 {
                guard raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self) == name.pointee.last else { return false }
                if length > 16 {
                    guard length <= 24, raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == name.pointee.middle else { return false }
                }
            }
            return true
        }

        /// The entry of the quoted name that starts `p[0..<n]`, `n` ≥ 8 (what ``find(_:_:quoted:)`` finds).
        @inline(__always)
        func quotedEntry(_ p: UnsafePointer<UInt8>, _ n: Int) -> UnsafeMutablePointer<Name<Value>>? {
            let raw = UnsafeRawPointer(p)
            let w0 = raw.loadUnaligned(as: UInt64.self)
            let first = Int(p[0])
            var index = starts[first]
            let end = starts[first + 1]
            while index < end {
                let name = names.baseAddress! + index
                index += 1
                if Self.matches(name, raw, w0, n) { return name }
            }
            return nil
        }

        /// The name at `p` (followed by its closing quote when `quoted`, else exactly `p[0..<n]`),
        /// and its length (with the quote when `quoted`).
        @inline(__always)
        func find(_ p: UnsafePointer<UInt8>, _ n: Int, quoted: Bool) -> (Value, Int)? {
            if quoted, n >= 8 {
                // Word compares, no call, and no load past the candidate's closing quote.
                guard let name = quotedEntry(p, n) else { return nil }
                return (name.pointee.value, name.pointee.quotedLength)
            }
            guard n > 0 else { return nil }
            let first = Int(p[0])
            var index = starts[first]
            let end = starts[first + 1]
            // A name on a short line (fewer than eight bytes left), or an exact name: byte compares.
            while index < end {
                let name = names[index]
                index += 1
                if quoted {
                    guard n > name.length, p[name.length] == UInt8(ascii: "\"") else { continue }
                } else {
                    guard n == name.length else { continue }
                }
                if memcmp(bytes.baseAddress! + name.offset, p, name.length) == 0 {
                    return (name.value, quoted ? name.length + 1 : name.length)
                }
            }
            return nil
        }
    }

    let fields = Table(LineField.allCases.map { ($0.name, $0) })
    let types = Table(EventType.allCases.map { ($0.rawValue, $0) })

    static let shared = LineNames()

    /// The field whose name starts at `p` followed by its closing quote, and the length with it.
    @inline(__always)
    func quotedField(_ p: UnsafePointer<UInt8>, _ n: Int) -> (LineField, Int)? { fields.find(p, n, quoted: true) }

    /// The field named exactly by `p[0..<n]`.
    @inline(__always)
    func field(_ p: UnsafePointer<UInt8>, _ n: Int) -> LineField? { fields.find(p, n, quoted: false)?.0 }

    /// The event type whose name starts at `p` followed by its closing quote, and the length with it.
    @inline(__always)
    func quotedType(_ p: UnsafePointer<UInt8>, _ n: Int) -> (EventType, Int)? { types.find(p, n, quoted: true) }

    /// The event type named exactly by `p[0..<n]`.
    @inline(__always)
    func type(_ p: UnsafePointer<UInt8>, _ n: Int) -> EventType? { types.find(p, n, quoted: false)?.0 }
}

extension EventLineDecoder {
    /// The field a key names, or `nil` for an unknown key.
    @inline(__always)
    static func field(_ base: UnsafePointer<UInt8>, _ key: (start: Int, end: Int, escaped: Bool), _ scanner: JSONScanner)
        throws(JSONSyntaxError) -> LineField?
    {
        if key.escaped {
            var name = try scanner.makeString(start: key.start, end: key.end, escaped: true)
            return name.withUTF8 { LineNames.shared.field($0.baseAddress!, $0.count) }
        }
        return LineNames.shared.field(base + key.start, key.end - key.start)
    }

    /// The event type a `type` value names, or `nil`.
    @inline(__always)
    static func eventType(_ base: UnsafePointer<UInt8>, _ range: Span) -> EventType? {
        if range.escaped {
            guard var name = try? JSONScanner(base, count: range.end).makeString(start: range.start, end: range.end, escaped: true)
            else { return nil }
            return name.withUTF8 { LineNames.shared.type($0.baseAddress!, $0.count) }
        }
        return LineNames.shared.type(base + range.start, range.end - range.start)
    }
}
