/// A JSON value as the log stores it: the free-form parts of events (hyperparameters, config,
/// resources) and the rendered vocabularies.
///
/// Numbers keep the kind they were written with: `3` is ``int(_:)``, `3.0` and `3e0` are
/// ``double(_:)``, so a value read from a log writes back the same way.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object that keeps its keys in the order they were written, with unique keys.
///
/// Equality and hashing ignore key order, as JSON does; encoding keeps it, so output is stable.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One key and its value.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The entries in key order of first insertion.
    public private(set) var entries: [Entry]
    /// Key → position in `entries`, kept once the object is large enough that a linear search
    /// would cost more than hashing, so reading a line with many keys and merging many
    /// `configured` objects stay linear in the number of keys.
    private var index: JSONKeyIndex?

    /// The size from which `index` is kept.
    static let indexedFrom = 12

    public init() { entries = [] }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        entries = []
        for (key, value) in elements { self[key] = value }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    @inline(__always)
    private func position(of key: String) -> Int? {
        if let index { return index.find(key, in: entries) }
        return entries.firstIndex(where: { $0.key == key })
    }

    /// The value of `key`; setting `nil` removes the key, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            guard let newValue else {
                if let position = position(of: key) {
                    entries.remove(at: position)
                    index = nil
                    reindex()
                }
                return
            }
            set(key, newValue)
        }
    }

    /// Sets `key` to `value`: in place if present, appended if not; one probe when indexed.
    @inline(__always)
    private mutating func set(_ key: String, _ value: JSONValue) {
        if index != nil {
            let (position, inserted) = index!.findOrInsert(key, new: entries.count, in: entries)
            if inserted { entries.append(Entry(key: key, value: value)) } else { entries[position].value = value }
            return
        }
        if let position = entries.firstIndex(where: { $0.key == key }) {
            entries[position].value = value
        } else {
            entries.append(Entry(key: key, value: value))
            reindex()
        }
    }

    /// Builds `index` when the object has grown to ``indexedFrom``.
    private mutating func reindex() {
        guard index == nil, entries.count >= Self.indexedFrom else { return }
        var index = JSONKeyIndex(capacity: entries.count)
        for (position, entry) in entries.enumerated() { _ = index.findOrInsert(entry.key, new: position, in: entries) }
        self.index = index
    }

    /// This object with `other`'s keys laid over it key by key (SPEC 1, `configured`): a key of
    /// `other` replaces the same key's value in place, a new key is appended. Shallow: nested
    /// objects are replaced whole, not merged.
    public func merging(_ other: JSONObject) -> JSONObject {
        var merged = self
        merged.merge(other)
        return merged
    }

    /// Lays `other`'s keys over this object in place, as ``merging(_:)`` does: linear in
    /// `other`'s size (one probe for each key once the object is indexed).
    public mutating func merge(_ other: JSONObject) {
        for entry in other.entries { set(entry.key, entry.value) }
    }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }

    /// Appends `key` unless it is already present (a duplicate, which the parser refuses).
    /// - Returns: whether it was appended.
    mutating func appendIfNew(key: String, value: JSONValue) -> Bool {
        if index != nil {
            guard index!.findOrInsert(key, new: entries.count, in: entries).inserted else { return false }
            entries.append(Entry(key: key, value: value))
            return true
        }
        guard !entries.contains(where: { $0.key == key }) else { return false }
        entries.append(Entry(key: key, value: value))
        reindex()
        return true
    }

    mutating func reserveCapacity(_ capacity: Int) { entries.reserveCapacity(capacity) }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for entry in lhs.entries where rhs[entry.key] != entry.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: a commutative sum of each entry's own hash.
        var sum = 0
        for entry in entries {
            var entryHasher = Hasher()
            entryHasher.combine(entry)
            sum = sum &+ entryHasher.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(sum)
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String {
        var writer = JSONWriter()
        writer.value(self)
        return writer.string
    }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).description }
}

// MARK: - Codable

/// A coding key for arbitrary object keys.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

extension JSONValue: Codable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let object):
            try object.encode(to: encoder)
        }
    }

    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: AnyCodingKey.self) {
            var object = JSONObject()
            for key in container.allKeys {
                object[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
            }
            self = .object(object)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var values: [JSONValue] = []
            while !container.isAtEnd { values.append(try container.decode(JSONValue.self)) }
            self = .array(values)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }
}

extension JSONObject: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for entry in entries { try container.encode(entry.value, forKey: AnyCodingKey(entry.key)) }
    }

    public init(from decoder: any Decoder) throws {
        guard case .object(let object) = try JSONValue(from: decoder) else {
            throw DecodingError.typeMismatch(
                JSONObject.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a JSON object"))
        }
        self = object
    }
}
