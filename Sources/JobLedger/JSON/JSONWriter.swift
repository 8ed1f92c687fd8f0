/// Writes compact JSON into a byte buffer, keys in the order the caller writes them.
///
/// Every JSON output of JobLedger (log lines, vocabularies, the CLI) goes through this writer, so
/// escaping and number formatting are the same everywhere.
public struct JSONWriter: Sendable {
    package var bytes: [UInt8]
    /// Bit d: the container open at depth d + 1 holds an element already (the next needs a comma).
    private var elementBits: UInt64 = 0
    private var depth = 0
    /// The same flags for containers nested deeper than 64.
    private var deepElements: [Bool] = []
    /// Whether a key was just written, so the next value follows its colon directly.
    private var afterKey = false

    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The text written so far.
    package var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Writes the comma a new element needs, if any.
    @inline(__always) private mutating func beginValue() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        if depth <= 64 {
            let bit: UInt64 = 1 << UInt64(depth - 1)
            if elementBits & bit != 0 { bytes.append(UInt8(ascii: ",")) } else { elementBits |= bit }
        } else if deepElements[depth - 65] {
            bytes.append(UInt8(ascii: ","))
        } else {
            deepElements[depth - 65] = true
        }
    }

    @inline(__always) private mutating func open(_ bracket: UInt8) {
        beginValue()
        bytes.append(bracket)
        depth += 1
        if depth <= 64 { elementBits &= ~(1 << UInt64(depth - 1)) } else { deepElements.append(false) }
    }

    @inline(__always) private mutating func close(_ bracket: UInt8) {
        if depth > 64 { deepElements.removeLast() }
        depth -= 1
        bytes.append(bracket)
    }

    /// Opens an object: at the top level, after a key, or as an array element.
    package mutating func beginObject() { open(UInt8(ascii: "{")) }

    package mutating func endObject() { close(UInt8(ascii: "}")) }

    /// Opens an array: at the top level, after a key, or as an array element.
    package mutating func beginArray() { open(UInt8(ascii: "[")) }

    package mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Writes `"key":`; the value written next belongs to it.
    package mutating func key(_ key: StaticString) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// Writes a key that is not known at compile time (JSON object keys from logs), escaped.
    /// (Not an overload of ``key(_:)``: a literal would pick the `String` one and pay for escaping.)
    package mutating func dynamicKey(_ key: String) {
        beginValue()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    package mutating func null() {
        beginValue()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    package mutating func bool(_ value: Bool) {
        beginValue()
        if value { bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
    }

    package mutating func int(_ value: Int) {
        beginValue()
        Self.appendDecimal(value, to: &bytes)
    }

    package mutating func int64(_ value: Int64) { int(Int(value)) }

    /// Writes a double in Swift's shortest round-tripping form; a non-finite value has no JSON
    /// form and is written as `null`.
    package mutating func double(_ value: Double) {
        beginValue()
        guard value.isFinite else {
            bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            return
        }
        bytes.append(contentsOf: value.description.utf8)
    }

    package mutating func string(_ value: String) {
        beginValue()
        appendQuoted(value)
    }

    /// Writes a key that needs no escaping, by construction (an enum's raw value).
    package mutating func plainKey(_ key: String) {
        plainString(key)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// Writes a string that needs no escaping, by construction: a job id, an enum's raw value.
    /// (Checked in debug builds.)
    package mutating func plainString(_ value: String) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        assert(!value.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
        bytes.append(contentsOf: value.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    package mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    package mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let values):
            beginArray()
            for element in values { self.value(element) }
            endArray()
        case .object(let object): self.object(object)
        }
    }

    package mutating func object(_ object: JSONObject) {
        beginObject()
        for entry in object.entries {
            dynamicKey(entry.key)
            value(entry.value)
        }
        endObject()
    }

    /// Writes bytes that are already valid JSON text for one value.
    package mutating func raw(_ text: some Sequence<UInt8>) {
        beginValue()
        bytes.append(contentsOf: text)
    }

    // MARK: Encoding helpers

    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { scratch -> Int in
            var position = scratch.count
            repeat {
                position -= 1
                scratch[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                position -= 1
                scratch[position] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[position...]))
            return scratch.count - position
        }
        _ = count
    }

    /// Appends `"value"` with JSON escapes: quote, backslash and control characters; everything
    /// else, non-ASCII included, is written as its UTF-8 bytes.
    mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                runStart = i + 1
                switch b {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
