/// A syntax error in JSON text, at a byte offset of the text being read.
struct JSONSyntaxError: Error, Sendable {
    var offset: Int
    var message: String
}

/// A hand-written JSON reader over UTF-8 bytes (RFC 8259), the hot path of replay.
///
/// It reads in place from a buffer the caller keeps alive, builds `String`s only for values the
/// caller asks for, and never traps on bad input: every malformation is a ``JSONSyntaxError``.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    var index: Int = 0

    /// Deepest nesting of arrays and objects accepted, so hostile input cannot exhaust the stack.
    static let maximumDepth = 128

    init(_ base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    @inline(__always) var isAtEnd: Bool { index >= count }

    @inline(__always) func byte(at offset: Int) -> UInt8 { base[offset] }

    func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, message: message) }

    @inline(__always) mutating func skipWhitespace() {
        while index < count {
            let b = base[index]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 } else { return }
        }
    }

    /// Consumes `byte` after optional whitespace, or fails naming what was expected.
    @inline(__always) mutating func expect(_ byte: UInt8, _ what: @autoclosure () -> String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard index < count, base[index] == byte else { throw error("expected \(what())") }
        index += 1
    }

    /// Consumes `byte` after optional whitespace if it is next.
    @inline(__always) mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if index < count, base[index] == byte {
            index += 1
            return true
        }
        return false
    }

    /// What the next value is, without consuming it.
    mutating func peekKind() -> UInt8? {
        skipWhitespace()
        return index < count ? base[index] : nil
    }

    // MARK: Values

    mutating func parseValue(depth: Int = 0) throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        guard index < count else { throw error("unexpected end of line, expected a value") }
        switch base[index] {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character \(Self.describe(base[index])), expected a value")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let length = word.utf8CodeUnitCount
        guard count - index >= length else { throw error("invalid literal, expected \(word)") }
        let bytes = word.utf8Start
        for i in 0..<length where base[index + i] != bytes[i] { throw error("invalid literal, expected \(word)") }
        index += length
    }

    mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONObject {
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth)") }
        try expect(UInt8(ascii: "{"), "{")
        var object = JSONObject()
        if consume(UInt8(ascii: "}")) { return object }
        object.reserveCapacity(4)
        repeat {
            skipWhitespace()
            let keyOffset = index
            guard index < count, base[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            try expect(UInt8(ascii: ":"), "':' after key")
            let value = try parseValue(depth: depth + 1)
            guard object.appendIfNew(key: key, value: value) else {
                throw JSONSyntaxError(offset: keyOffset, message: "duplicate key \"\(key)\"")
            }
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"), "',' or '}' in object")
        return object
    }

    mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> [JSONValue] {
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth)") }
        try expect(UInt8(ascii: "["), "[")
        var values: [JSONValue] = []
        if consume(UInt8(ascii: "]")) { return values }
        repeat { values.append(try parseValue(depth: depth + 1)) } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"), "',' or ']' in array")
        return values
    }

    // MARK: Strings

    /// The raw bytes between the quotes of the next string and whether they hold escapes; the
    /// scanner moves past the closing quote. Control characters are rejected here.
    @inline(__always)
    mutating func scanString() throws(JSONSyntaxError) -> (start: Int, end: Int, escaped: Bool) {
        skipWhitespace()
        guard index < count, base[index] == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        var escaped = false
        while index < count {
            let b = base[index]
            if b == UInt8(ascii: "\"") {
                let end = index
                index += 1
                return (start, end, escaped)
            }
            if b == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            if b < 0x20 { throw error("control character \(Self.describe(b)) in string") }
            index += 1
        }
        throw JSONSyntaxError(offset: start - 1, message: "unterminated string")
    }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        let (start, end, escaped) = try scanString()
        return try makeString(start: start, end: end, escaped: escaped)
    }

    /// Builds the string of a scanned range, decoding escapes and validating UTF-8.
    func makeString(start: Int, end: Int, escaped: Bool) throws(JSONSyntaxError) -> String {
        if !escaped {
            let bytes = UnsafeBufferPointer(start: base + start, count: end - start)
            // Plain printable ASCII needs no UTF-8 validation: copy it straight in.
            var plain = true
            for b in bytes { plain = plain && b >= 0x20 && b < 0x80 }
            if plain {
                return String(unsafeUninitializedCapacity: bytes.count) { buffer in
                    _ = buffer.initialize(fromContentsOf: bytes)
                    return bytes.count
                }
            }
            guard let string = String(validating: bytes, as: UTF8.self) else {
                throw JSONSyntaxError(offset: start, message: "invalid UTF-8 in string")
            }
            return string
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(end - start)
        var i = start
        while i < end {
            let b = base[i]
            guard b == UInt8(ascii: "\\") else {
                decoded.append(b)
                i += 1
                continue
            }
            guard i + 1 < end else { throw JSONSyntaxError(offset: i, message: "unfinished escape") }
            let e = base[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): decoded.append(0x22)
            case UInt8(ascii: "\\"): decoded.append(0x5C)
            case UInt8(ascii: "/"): decoded.append(0x2F)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i, end: end)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= end, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
                        throw JSONSyntaxError(offset: i - 6, message: "unpaired surrogate \\u\(String(scalar, radix: 16))")
                    }
                    let low = try hex4(at: i + 2, end: end)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw JSONSyntaxError(offset: i, message: "unpaired surrogate \\u\(String(scalar, radix: 16))")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw JSONSyntaxError(offset: i - 6, message: "unpaired surrogate \\u\(String(scalar, radix: 16))")
                }
                // In range and not a surrogate, so always a valid scalar.
                guard let unicode = Unicode.Scalar(scalar) else {
                    throw JSONSyntaxError(offset: i - 6, message: "invalid escape")
                }
                decoded.append(contentsOf: UTF8.encode(unicode)!)
            default:
                throw JSONSyntaxError(offset: i - 2, message: "invalid escape \\\(Self.describe(e))")
            }
        }
        guard let string = String(validating: decoded, as: UTF8.self) else {
            throw JSONSyntaxError(offset: start, message: "invalid UTF-8 in string")
        }
        return string
    }

    private func hex4(at offset: Int, end: Int) throws(JSONSyntaxError) -> UInt32 {
        guard offset + 4 <= end else { throw JSONSyntaxError(offset: offset, message: "\\u needs four hex digits") }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = base[offset + k]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw JSONSyntaxError(offset: offset, message: "\\u needs four hex digits")
            }
            value = value << 4 | digit
        }
        return value
    }

    // MARK: Numbers

    /// Reads a number by the JSON grammar: an integer literal that fits `Int` is `.int`, any other
    /// number (fraction, exponent, or too large) is `.double`.
    mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        let start = index
        if index < count, base[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        guard index < count, base[index] >= UInt8(ascii: "0"), base[index] <= UInt8(ascii: "9") else {
            throw error("expected a digit")
        }
        if base[index] == UInt8(ascii: "0") {
            index += 1
            if index < count, base[index] >= UInt8(ascii: "0"), base[index] <= UInt8(ascii: "9") {
                throw error("leading zero in number")
            }
        } else {
            while index < count, base[index] >= UInt8(ascii: "0"), base[index] <= UInt8(ascii: "9") { index += 1 }
        }
        let digitsEnd = index
        var integral = true
        if index < count, base[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            let fractionStart = index
            while index < count, base[index] >= UInt8(ascii: "0"), base[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > fractionStart else { throw error("expected a digit after '.'") }
        }
        if index < count, base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
            integral = false
            index += 1
            if index < count, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while index < count, base[index] >= UInt8(ascii: "0"), base[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > exponentStart else { throw error("expected a digit in exponent") }
        }
        if integral, case (.integer(let value), _) = JSONInteger.scan(base, from: start, count) { return .int(value) }
        if !integral, let value = fastDouble(start, index) { return .double(value) }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONSyntaxError(offset: start, message: "number \(text) is out of range (too large for a 64-bit float)")
        }
        // A number too small for a double reads as zero: refused like one too large, rather than
        // silently changed. (Zero written as zero, e.g. `0.0e-400`, is fine.)
        if value == 0, (digitsStart..<digitsEnd).contains(where: { base[$0] != UInt8(ascii: "0") }) || fractionHasNonZero(start, index) {
            throw JSONSyntaxError(offset: start, message: "number \(text) is out of range (too small for a 64-bit float)")
        }
        return .double(value)
    }

    /// The double of a number in `start..<end` (already checked by the grammar) when it can be
    /// computed exactly: at most 15 significant digits and a power of ten of at most 22, where one
    /// multiplication or division of exact doubles is correctly rounded (Clinger's fast path).
    /// `nil` sends it to the standard library's conversion.
    @inline(__always)
    private func fastDouble(_ start: Int, _ end: Int) -> Double? {
        var i = start
        let negative = base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var seenPoint = false
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: ".") {
                seenPoint = true
            } else if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                break
            } else {
                if mantissa == 0 && b == UInt8(ascii: "0") {
                    if seenPoint { scale -= 1 }
                } else {
                    digits += 1
                    guard digits <= 15 else { return nil }
                    mantissa = mantissa * 10 + UInt64(b &- UInt8(ascii: "0"))
                    if seenPoint { scale -= 1 }
                }
            }
            i += 1
        }
        if i < end {
            // An exponent: sign and up to three digits.
            i += 1
            var exponentNegative = false
            if base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") {
                exponentNegative = base[i] == UInt8(ascii: "-")
                i += 1
            }
            guard end - i <= 3 else { return nil }
            var exponent = 0
            while i < end {
                exponent = exponent * 10 + Int(base[i] &- UInt8(ascii: "0"))
                i += 1
            }
            scale += exponentNegative ? -exponent : exponent
        }
        let powers = Self.exactPowersOfTen
        var value = Double(mantissa)
        if mantissa == 0 {
            value = 0
        } else if scale < 0 {
            guard scale >= -22 else { return nil }
            value /= powers[-scale]
        } else if scale > 0 {
            guard scale <= 22 else { return nil }
            value *= powers[scale]
        }
        return negative ? -value : value
    }

    /// 10⁰ … 10²², each exact in a double.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
        1e21, 1e22,
    ]

    /// Whether the mantissa of the number in `start..<end` has a non-zero digit after its point.
    private func fractionHasNonZero(_ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end, base[i] != UInt8(ascii: ".") {
            if base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E") { return false }
            i += 1
        }
        i += 1
        while i < end, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") {
            if base[i] != UInt8(ascii: "0") { return true }
            i += 1
        }
        return false
    }

    /// Reads a JSON integer literal into `Int` (``JSONInteger``), rejecting fractions,
    /// exponents and overflow.
    mutating func parseInteger() throws(JSONSyntaxError) -> Int {
        skipWhitespace()
        let (scan, end) = JSONInteger.scan(base, from: index, count)
        if case .integer(let value) = scan {
            index = end
            return value
        }
        throw integerProblem(scan)
    }

    /// Why the integer at `index` was refused, in words.
    func integerProblem(_ scan: JSONInteger.Scan) -> JSONSyntaxError {
        switch scan {
        case .integer: return error("not an error")
        case .noDigits: return error("expected an integer")
        case .leadingZero: return error("leading zero in number")
        case .outOfRange: return error("integer out of range")
        case .notInteger:
            // A whole number written with an exponent (`1e+20`) is most likely an integer too
            // large for 64 bits that a writer turned into a float: say so.
            var scanner = self
            if case .double(let value)? = try? scanner.parseNumber(), value == value.rounded(),
                abs(value) >= 9.223_372_036_854_775_807e18
            {
                return error("integer out of range (beyond 64 bits)")
            }
            return error("expected an integer, found a fraction or exponent")
        }
    }

    // MARK: Helpers

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }
}

extension JSONValue {
    /// Parses one JSON text (RFC 8259); whitespace around it is allowed, anything after it is not.
    public init(parsing text: String) throws(JobLedgerError) {
        var text = text
        let result: Result<JSONValue, JSONSyntaxError> = text.withUTF8 { buffer in
            guard let base = buffer.baseAddress else {
                return .failure(JSONSyntaxError(offset: 0, message: "empty input, expected a value"))
            }
            var scanner = JSONScanner(base, count: buffer.count)
            do throws(JSONSyntaxError) {
                let value = try scanner.parseValue()
                scanner.skipWhitespace()
                guard scanner.isAtEnd else { throw scanner.error("unexpected text after the value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): self = value
        case .failure(let error):
            throw JobLedgerError(.invalidEvent, "invalid JSON at byte \(error.offset + 1): \(error.message)")
        }
    }
}
