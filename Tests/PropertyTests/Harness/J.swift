import Foundation
import JobLedger

/// A JSON value as the tests see it, read by a small parser of the tests' own rather than
/// JobLedger's, so a bug in the library's writer or reader cannot hide behind its twin. (Not
/// Foundation's `JSONDecoder`: decoding an enum with it means trying types until one does not
/// throw, and Swift Testing records a backtrace for every throw.)
///
/// Numbers are compared as doubles; object keys are unordered (key order is held by the golden
/// tests).
indirect enum J: Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([J])
    case object([String: J])

    struct ParseError: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "not JSON at byte \(offset)" }
    }

    /// Parses one JSON value (RFC 8259), surrounded by optional whitespace.
    static func parse(_ text: String) throws(ParseError) -> J {
        var parser = Parser(bytes: Array(text.utf8))
        guard let value = parser.value(depth: 0) else { throw ParseError(offset: parser.index) }
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw ParseError(offset: parser.index) }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let word = Array(word.utf8)
            guard index + word.count <= bytes.count, Array(bytes[index..<index + word.count]) == word else { return false }
            index += word.count
            return true
        }

        mutating func value(depth: Int) -> J? {
            skipWhitespace()
            guard index < bytes.count, depth < 200 else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "\""): return string().map(J.string)
            case UInt8(ascii: "["):
                index += 1
                var values: [J] = []
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(values)
                }
                while true {
                    guard let element = value(depth: depth + 1) else { return nil }
                    values.append(element)
                    skipWhitespace()
                    guard index < bytes.count else { return nil }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "]") { return .array(values) }
                    if bytes[index - 1] != UInt8(ascii: ",") { return nil }
                }
            case UInt8(ascii: "{"):
                index += 1
                var object: [String: J] = [:]
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(object)
                }
                while true {
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                    index += 1
                    guard let element = value(depth: depth + 1), object[key] == nil else { return nil }
                    object[key] = element
                    skipWhitespace()
                    guard index < bytes.count else { return nil }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "}") { return .object(object) }
                    if bytes[index - 1] != UInt8(ascii: ",") { return nil }
                }
            default:
                return number()
            }
        }

        /// RFC 8259's number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        mutating func number() -> J? {
            let start = index
            func digit() -> Bool { index < bytes.count && bytes[index] >= 0x30 && bytes[index] <= 0x39 }
            func digits() -> Bool {
                guard digit() else { return false }
                while digit() { index += 1 }
                return true
            }
            func accept(_ characters: String) -> Bool {
                guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
                index += 1
                return true
            }
            _ = accept("-")
            if accept("0") {
                if digit() { return nil }
            } else if !digits() {
                return nil
            }
            if accept("."), !digits() { return nil }
            if accept("eE") {
                _ = accept("+-")
                if !digits() { return nil }
            }
            return Double(String(decoding: bytes[start..<index], as: UTF8.self)).map(J.number)
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { return nil }
            index += 4
            return value
        }

        mutating func string() -> String? {
            index += 1  // the opening quote
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
                run.removeAll()
            }
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case 0..<0x20:
                    return nil  // raw control characters are not JSON
                case UInt8(ascii: "\\"):
                    flush()
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        guard var code = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(code) {
                            guard literal("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { return nil }
                        scalars.append(scalar)
                    default: return nil
                    }
                default:
                    run.append(byte)
                }
            }
            return nil
        }
    }

    /// A library JSON value as a `J` (a change of representation, no logic).
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .number(Double(value))
        case .double(let value): self = .number(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(J.init))
        case .object(let object): self = J(object)
        }
    }

    init(_ object: JSONObject) {
        self = .object(Dictionary(object.map { ($0.key, J($0.value)) }, uniquingKeysWith: { _, last in last }))
    }

    static func int(_ value: Int) -> J { .number(Double(value)) }
    static func int64(_ value: Int64) -> J { .number(Double(value)) }
    static func optional(_ value: String?) -> J { value.map(J.string) ?? .null }

    subscript(key: String) -> J? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "\(value)"
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        case .string(let value): return "\"\(value.unicodeScalars.map { $0.escapedForReport }.joined())\""
        case .array(let values): return "[" + values.map(\.description).joined(separator: ",") + "]"
        case .object(let object):
            return "{" + object.keys.sorted().map { "\"\($0)\":\(object[$0]!)" }.joined(separator: ",") + "}"
        }
    }

    /// Where two values first differ, as a path (`sestek.trainingStatus: "Completed" vs "Trained"`),
    /// or `nil` when they are equal.
    static func difference(_ a: J, _ b: J, path: String = "") -> String? {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for key in Set(x.keys).union(y.keys).sorted() {
                let here = path.isEmpty ? key : "\(path).\(key)"
                switch (x[key], y[key]) {
                case (nil, let right?): return "\(here): missing vs \(right)"
                case (let left?, nil): return "\(here): \(left) vs missing"
                case (let left?, let right?): if let found = difference(left, right, path: here) { return found }
                case (nil, nil): break
                }
            }
            return nil
        case (.array(let x), .array(let y)):
            if x.count != y.count { return "\(path): \(x.count) elements vs \(y.count)" }
            for (index, (left, right)) in zip(x, y).enumerated() {
                if let found = difference(left, right, path: "\(path)[\(index)]") { return found }
            }
            return nil
        default:
            return a == b ? nil : "\(path.isEmpty ? "value" : path): \(a) vs \(b)"
        }
    }
}

extension Unicode.Scalar {
    fileprivate var escapedForReport: String {
        switch value {
        case 0x22: return "\\\""
        case 0x5C: return "\\\\"
        case 0..<0x20, 0x7F, 0x2028, 0x2029: return String(format: "\\u%04x", value)
        default: return String(self)
        }
    }
}
