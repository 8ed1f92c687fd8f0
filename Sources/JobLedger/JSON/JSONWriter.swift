/// Writes compact JSON into a byte buffer, keys in the order the caller writes them.
///
/// Every JSON output of JobLedger (log lines, vocabularies, the CLI) goes through this writer, so
/// escaping and number formatting are the same everywhere.
public struct JSONWriter: Sendable {
    /// What was written, but for the last ``pendingCount`` bytes, still in ``pending``.
    private var storage: [UInt8]
    /// The newest bytes, held inline: most writes are a few bytes, and a copy into an inline
    /// buffer costs neither the uniqueness nor the capacity check of an array append (a replay
    /// line is written with some thirty of them).
    private var pending: Pending = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    private typealias Pending = (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64
    )
    private static let pendingCapacity = 256

    /// How many containers are open.
    private var depth = 0
    /// Whether the next element of the open container follows another, and so needs a comma:
    /// set by every element begun in a container, cleared by opening one and by a key (its value
    /// follows the colon). Closing a container sets it again, for the container was an element of
    /// its parent; the top level takes no commas.
    private var needsComma = false

    package init(capacity: Int = 256) {
        storage = []
        if capacity > 0 { storage.reserveCapacity(capacity) }
    }

    /// A writer that goes on after `bytes` (taken, not copied: pass the caller's buffer with
    /// `consume` or a swap), for one value; ``finish()`` gives the bytes back. How a replay
    /// renders each job into one buffer without a writer's array per job.
    @inline(__always)
    package init(continuing bytes: consuming [UInt8]) {
        storage = bytes
    }

    /// Everything written, moved out: the writer is left empty.
    package mutating func finish() -> [UInt8] {
        flush()
        var all: [UInt8] = []
        swap(&all, &storage)
        return all
    }

    /// Everything written so far. Changing it in place (appending, swapping a buffer in or out)
    /// first moves the pending bytes into it.
    package var bytes: [UInt8] {
        get {
            guard pendingCount > 0 else { return storage }
            var all = storage
            var pending = pending
            Self.withBytes(of: &pending, pendingCount) { all.append(contentsOf: $0) }
            return all
        }
        set {
            storage = newValue
            pendingCount = 0
        }
        _modify {
            flush()
            yield &storage
        }
    }

    /// The text written so far.
    package var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Moves the pending bytes to ``storage``: copied straight into its new room (no call to a
    /// generic append).
    private mutating func flush() {
        guard pendingCount > 0 else { return }
        let count = pendingCount
        storage.append(addingCapacity: count) { span in
            span.withUnsafeMutableBufferPointer { room, initialized in
                withUnsafeBytes(of: &pending) {
                    $0.withMemoryRebound(to: UInt8.self) { room.baseAddress.unsafelyUnwrapped.initialize(from: $0.baseAddress.unsafelyUnwrapped, count: count) }
                }
                initialized = count
            }
        }
        pendingCount = 0
    }

    /// Appends `count` bytes from `source`.
    ///
    /// (The room is checked as `count <= pendingCapacity - pendingCount`, which cannot overflow,
    /// so the counts that follow are at most `pendingCapacity` and are added without overflow
    /// checks; so in the other puts.)
    @inline(__always) private mutating func put(_ source: UnsafeRawPointer, _ count: Int) {
        let at = pendingCount
        guard count <= Self.pendingCapacity &- at else { return spill(source, count) }
        withUnsafeMutableBytes(of: &pending) { Self.copy(source, to: $0.baseAddress.unsafelyUnwrapped + at, count) }
        pendingCount = at &+ count
    }

    /// Copies `count` bytes; up to 16 (a key, a status, a number) without a call: loads and
    /// stores that overlap rather than a loop.
    @inline(__always) static func copy(_ source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, _ count: Int) {
        switch count {
        case 8...16:
            let (head, tail) = (source.loadUnaligned(as: UInt64.self), source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            let (head, tail) = (source.loadUnaligned(as: UInt32.self), source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        case 1..<4:
            // The first, middle and last bytes: all three bytes of three, some twice for fewer.
            let (first, middle, last) = (
                source.load(as: UInt8.self), source.load(fromByteOffset: count >> 1, as: UInt8.self),
                source.load(fromByteOffset: count - 1, as: UInt8.self)
            )
            target.storeBytes(of: first, as: UInt8.self)
            target.storeBytes(of: middle, toByteOffset: count >> 1, as: UInt8.self)
            target.storeBytes(of: last, toByteOffset: count - 1, as: UInt8.self)
        default:
            target.copyMemory(from: source, byteCount: count)
        }
    }

    /// The first `count` bytes of a scratch tuple as a typed buffer: an array appends one of those
    /// with one copy, a raw buffer byte by byte. (The tuple is passed inout, read where it lies:
    /// by value it would be copied whole first.)
    @inline(__always)
    private static func withBytes<Scratch>(of scratch: inout Scratch, _ count: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        withUnsafeBytes(of: &scratch) { raw in
            raw.withMemoryRebound(to: UInt8.self) { body(UnsafeBufferPointer(rebasing: $0[..<count])) }
        }
    }

    @inline(never) private mutating func spill(_ source: UnsafeRawPointer, _ count: Int) {
        flush()
        if count > Self.pendingCapacity {
            UnsafeRawBufferPointer(start: source, count: count).withMemoryRebound(to: UInt8.self) { storage.append(contentsOf: $0) }
        } else {
            put(source, count)
        }
    }

    @inline(__always) private mutating func put(_ byte: UInt8) {
        if pendingCount == Self.pendingCapacity { flush() }
        let at = pendingCount
        withUnsafeMutableBytes(of: &pending) { $0.baseAddress.unsafelyUnwrapped.storeBytes(of: byte, toByteOffset: at, as: UInt8.self) }
        pendingCount = at &+ 1
    }

    /// Appends `"`, `count` bytes from `source`, `"` and, with `colon`, `:` — a key or a plain
    /// string — with one check for room.
    @inline(__always) private mutating func put(quoted source: UnsafeRawPointer, _ count: Int, colon: Bool) {
        let at = pendingCount
        let marks = colon ? 3 : 2
        guard count <= Self.pendingCapacity &- at &- marks else { return spill(quoted: source, count, colon: colon) }
        withUnsafeMutableBytes(of: &pending) {
            let target = $0.baseAddress.unsafelyUnwrapped + at
            target.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
            Self.copy(source, to: target + 1, count)
            target.storeBytes(of: UInt8(ascii: "\""), toByteOffset: count &+ 1, as: UInt8.self)
            if colon { target.storeBytes(of: UInt8(ascii: ":"), toByteOffset: count &+ 2, as: UInt8.self) }
        }
        pendingCount = at &+ count &+ marks
    }

    /// ``put(quoted:_:colon:)`` when the pending bytes have no room for it.
    @inline(never) private mutating func spill(quoted source: UnsafeRawPointer, _ count: Int, colon: Bool) {
        flush()
        put(UInt8(ascii: "\""))
        put(source, count)
        put(UInt8(ascii: "\""))
        if colon { put(UInt8(ascii: ":")) }
    }

    /// ``put(quoted:_:colon:)`` for the bytes of `text`: read where they lie (a borrowed
    /// string, neither copied nor retained); a string not stored as UTF-8 is copied first.
    @inline(__always) private mutating func put(quoted text: String, colon: Bool) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            // An empty string may have no storage: its zero bytes are then copied from a literal's.
            put(quoted: utf8.baseAddress ?? ("" as StaticString).utf8Start, utf8.count, colon: colon)
        }
        if written == nil { putCopy(quoted: text, colon: colon) }
    }

    /// ``put(quoted:colon:)`` for a string whose bytes are not stored as UTF-8 (kept out of line).
    @inline(never) private mutating func putCopy(quoted text: String, colon: Bool) {
        var text = text
        text.withUTF8 { put(quoted: $0.baseAddress ?? ("" as StaticString).utf8Start, $0.count, colon: colon) }
    }

    @inline(__always) private mutating func put(_ text: StaticString) {
        put(text.utf8Start, text.utf8CodeUnitCount)
    }

    /// Appends the UTF-8 bytes of `text`, unescaped (read where they lie, as for a quoted string).
    @inline(__always) private mutating func put(utf8 text: String) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            if let base = utf8.baseAddress { put(base, utf8.count) }
        }
        if written == nil { putCopy(utf8: text) }
    }

    /// ``put(utf8:)`` for a string whose bytes are not stored as UTF-8 (kept out of line).
    @inline(never) private mutating func putCopy(utf8 text: String) {
        var text = text
        text.withUTF8 { if let base = $0.baseAddress { put(base, $0.count) } }
    }

    /// Writes the comma a new element needs, if any, and counts the element as begun.
    @inline(__always) private mutating func beginValue() {
        if needsComma { put(UInt8(ascii: ",")) }
        needsComma = depth > 0
    }

    /// Writes the comma a key needs, if any; the key's value then follows its colon with none.
    @inline(__always) private mutating func beginKey() {
        if needsComma { put(UInt8(ascii: ",")) }
    }

    @inline(__always) private mutating func open(_ bracket: UInt8) {
        beginValue()
        put(bracket)
        depth += 1
        needsComma = false
    }

    @inline(__always) private mutating func close(_ bracket: UInt8) {
        depth -= 1
        put(bracket)
        needsComma = depth > 0
    }

    /// Opens an object: at the top level, after a key, or as an array element.
    @inline(__always)
    package mutating func beginObject() { open(UInt8(ascii: "{")) }

    @inline(__always)
    package mutating func endObject() { close(UInt8(ascii: "}")) }

    /// Opens an array: at the top level, after a key, or as an array element.
    package mutating func beginArray() { open(UInt8(ascii: "[")) }

    package mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Writes `"key":`; the value written next belongs to it.
    @inline(__always)
    package mutating func key(_ key: StaticString) {
        beginKey()
        put(quoted: key.utf8Start, key.utf8CodeUnitCount, colon: true)
        needsComma = false
    }

    /// Writes a key that is not known at compile time (JSON object keys from logs), escaped.
    /// (Not an overload of ``key(_:)``: a literal would pick the `String` one and pay for escaping.)
    package mutating func dynamicKey(_ key: String) {
        beginKey()
        appendQuoted(key)
        put(UInt8(ascii: ":"))
        needsComma = false
    }

    @inline(__always)
    package mutating func null() {
        beginValue()
        put("null")
    }

    package mutating func bool(_ value: Bool) {
        beginValue()
        if value { put("true") } else { put("false") }
    }

    @inline(__always)
    package mutating func int(_ value: Int) {
        beginValue()
        Self.withDecimal(value) { put($0.baseAddress.unsafelyUnwrapped, $0.count) }
    }

    package mutating func int64(_ value: Int64) { int(Int(value)) }

    /// Writes a double in Swift's shortest round-tripping form; a non-finite value has no JSON
    /// form and is written as `null`.
    package mutating func double(_ value: Double) {
        beginValue()
        guard value.isFinite else { return put("null") }
        put(utf8: value.description)
    }

    package mutating func string(_ value: String) {
        beginValue()
        appendQuoted(value)
    }

    /// A key known only at run time but written many times (a vocabulary's name on every replay
    /// line), prepared once: its text as ``dynamicKey(_:)`` writes it, quotes, escapes and colon.
    package struct Key: Sendable {
        /// Never empty: `"":` at the least.
        fileprivate let bytes: [UInt8]

        package init(_ key: String) {
            var writer = JSONWriter(capacity: 0)
            writer.dynamicKey(key)
            bytes = writer.finish()
        }
    }

    /// Writes a prepared key; the value written next belongs to it.
    @inline(__always)
    package mutating func key(_ key: Key) {
        beginKey()
        key.bytes.withUnsafeBytes { put($0.baseAddress.unsafelyUnwrapped, $0.count) }
        needsComma = false
    }

    /// Writes a string that needs no escaping, by construction: a job id, an enum's raw value.
    /// (Checked in debug builds.)
    @inline(__always)
    package mutating func plainString(_ value: String) {
        beginValue()
        assert(!value.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
        put(quoted: value, colon: false)
    }

    /// Writes a job id as a string (its characters need no escaping), without making its text.
    @inline(__always)
    package mutating func jobID(_ id: JobID) {
        beginValue()
        id.withUTF8 { put(quoted: $0.baseAddress.unsafelyUnwrapped, $0.count, colon: false) }
    }

    @inline(__always)
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

    /// Writes `text` as it is, with no comma before it: a piece of a value's text (a log line's
    /// fixed parts).
    package mutating func text(_ text: StaticString) { put(text) }

    /// Writes `bytes` as they are, with no comma before them.
    package mutating func text(_ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress { put(base, bytes.count) }
    }

    /// Writes one byte as it is, with no comma before it.
    package mutating func text(byte: UInt8) { put(byte) }

    /// Lets `body` write text in place, with no comma before it: `body` gets room for
    /// `maximum` bytes (at most 256) after what was written and returns how many it wrote.
    /// A text of several pieces (a log line's `seq` and time) is so written with one check for
    /// room, and without a scratch buffer to copy from.
    @inline(__always)
    package mutating func text(atMost maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        precondition(maximum <= Self.pendingCapacity, "more room than the pending bytes have")
        if maximum > Self.pendingCapacity &- pendingCount { flush() }
        let at = pendingCount
        let written = withUnsafeMutableBytes(of: &pending) {
            body(($0.baseAddress.unsafelyUnwrapped + at).assumingMemoryBound(to: UInt8.self))
        }
        assert(written <= maximum)
        pendingCount = at &+ written
    }

    /// How many bytes were written so far.
    package var count: Int { storage.count &+ pendingCount }

    /// Counts an element of the open container as written, so the next one gets its comma: for
    /// elements written with ``text(_:)``.
    package mutating func elementFollows() { beginValue() }

    /// Writes bytes that are already valid JSON text for one value.
    package mutating func raw(_ text: some Sequence<UInt8>) {
        beginValue()
        flush()
        storage.append(contentsOf: text)
    }

    // MARK: Encoding helpers

    /// Calls `body` with the decimal digits of `value` (and its sign).
    @inline(__always)
    static func withDecimal<Result>(_ value: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        return withUnsafeMutableBytes(of: &digits) { buffer in
            let scratch = buffer.baseAddress.unsafelyUnwrapped
            let end = buffer.count
            var position = end
            // Two digits per division, read from a table of the pairs 00 … 99.
            while magnitude >= 100 {
                let (rest, pair) = magnitude.quotientAndRemainder(dividingBy: 100)
                position &-= 2
                Self.storePair(Int(pair), at: scratch + position)
                magnitude = rest
            }
            if magnitude >= 10 {
                position &-= 2
                Self.storePair(Int(magnitude), at: scratch + position)
            } else {
                position &-= 1
                scratch.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude), toByteOffset: position, as: UInt8.self)
            }
            if value < 0 {
                position &-= 1
                scratch.storeBytes(of: UInt8(ascii: "-"), toByteOffset: position, as: UInt8.self)
            }
            return body(UnsafeRawBufferPointer(start: scratch + position, count: end &- position))
        }
    }

    /// Stores the two digits of `pair` (0 … 99) at `target`.
    @inline(__always)
    private static func storePair(_ pair: Int, at target: UnsafeMutableRawPointer) {
        let pairs: StaticString = """
            00010203040506070809101112131415161718192021222324252627282930313233343536373839\
            40414243444546474849505152535455565758596061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899
            """
        target.storeBytes(of: UnsafeRawPointer(pairs.utf8Start).loadUnaligned(fromByteOffset: pair &* 2, as: UInt16.self), as: UInt16.self)
    }

    /// Appends `"value"` with JSON escapes: quote, backslash and control characters; everything
    /// else, non-ASCII included, is written as its UTF-8 bytes.
    mutating func appendQuoted(_ value: String) {
        put(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            var runStart = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                if runStart < i { put(base + runStart, i - runStart) }
                runStart = i + 1
                put(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""): put(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): put(UInt8(ascii: "\\"))
                case 0x0A: put(UInt8(ascii: "n"))
                case 0x0D: put(UInt8(ascii: "r"))
                case 0x09: put(UInt8(ascii: "t"))
                case 0x08: put(UInt8(ascii: "b"))
                case 0x0C: put(UInt8(ascii: "f"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    put("u00")
                    put(hex.utf8Start[Int(b >> 4)])
                    put(hex.utf8Start[Int(b & 0xF)])
                }
            }
            if runStart < utf8.count { put(base + runStart, utf8.count - runStart) }
        }
        put(UInt8(ascii: "\""))
    }
}
