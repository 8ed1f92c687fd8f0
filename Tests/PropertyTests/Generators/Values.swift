import JobLedger

/// Generators of field values, leaning on the awkward ones: strings with quotes, backslashes,
/// control characters, non-ASCII, emoji and line separators; JSON objects nested a few levels with
/// every kind of value; times with and without fractions.
extension Gen {
    /// Pieces odd strings are made of.
    static let stringPieces: [String] = [
        "a", "model", "llama-3-8b", " ", "\"", "\\", "/", "\\u0041", "\n", "\r\n", "\t", "\u{0}", "\u{1}", "\u{1F}",
        "\u{7F}", "é", "e\u{301}", "日本語", "👩‍💻", "🇹🇷", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{FFFD}", "عربى",
        "{\"k\":1}", "null", "0", "-", "c_10", "\u{10FFFF}",
    ]

    /// A string of 0 to a few dozen characters, often odd.
    mutating func string() -> String {
        switch int(0...9) {
        case 0: return ""
        case 1, 2: return pick(["ok", "classification", "segmentation", "subject", "llama3.2-3B", "ckpt/epoch-1"])
        case 3: return String(repeating: pick(Self.stringPieces), count: int(1...80))
        default: return (0..<int(1...8)).map { _ in pick(Self.stringPieces) }.joined()
        }
    }

    /// A string that must not be empty (a required field).
    mutating func nonEmptyString() -> String {
        let value = string()
        return value.isEmpty ? "x" : value
    }

    mutating func optionalString() -> String? { chance(0.35) ? nil : string() }

    /// Any JSON value, nested at most `depth` levels.
    mutating func jsonValue(depth: Int = 3) -> JSONValue {
        switch int(0...(depth > 0 ? 7 : 5)) {
        case 0: return .null
        case 1: return .bool(bool())
        case 2: return .int(pick([0, 1, -1, 3, 42, Int.max, Int.min, 1 << 53, -(1 << 53) - 1, int(-1000...1000)]))
        case 3: return .double(double())
        case 4, 5: return .string(string())
        case 6: return .array((0..<int(0...4)).map { _ in jsonValue(depth: depth - 1) })
        default: return .object(jsonObject(depth: depth - 1))
        }
    }

    /// A JSON object with odd, unique keys.
    mutating func jsonObject(depth: Int = 2) -> JSONObject {
        var object = JSONObject()
        for _ in 0..<int(0...4) {
            let key = chance(0.5) ? pick(["epochs", "lr", "batch_size", "gpus", "lora"]) : string()
            object[key] = jsonValue(depth: depth)
        }
        return object
    }

    mutating func optionalObject() -> JSONObject? { chance(0.4) ? nil : jsonObject() }

    /// A time after `after` (or the base time): usually minutes later, sometimes the same
    /// instant, sometimes with a fraction of a second.
    mutating func time(after: Timestamp?) -> Timestamp {
        let base = after ?? Timestamp(seconds: 1_795_000_000 + Int64(int(0...10_000_000)))
        var seconds = base.seconds
        var nanoseconds = Int64(base.nanoseconds)
        switch int(0...9) {
        case 0: break  // the same instant: equal is fine
        case 1: nanoseconds = max(nanoseconds, Int64(pick([1, 250_000_000, 999_999_999, int(0...999_999_999)])))
        default: seconds += Int64(int(1...3600))
        }
        return Timestamp(seconds: seconds, nanoseconds: nanoseconds)
    }

    /// A time before `time` (time going backwards, which is never legal).
    mutating func time(before time: Timestamp) -> Timestamp {
        chance(0.5) && time.nanoseconds > 0
            ? Timestamp(seconds: time.seconds, nanoseconds: Int64(time.nanoseconds) - 1)
            : Timestamp(seconds: time.seconds - Int64(int(1...86_400)), nanoseconds: Int64(time.nanoseconds))
    }

    /// Any time RFC 3339 can write: years 0000 to 9999, any nanoseconds.
    mutating func anyTime() -> Timestamp {
        let earliest: Int64 = -62_167_219_200  // 0000-01-01T00:00:00Z
        let latest: Int64 = 253_402_300_799  // 9999-12-31T23:59:59Z
        let seconds = chance(0.2) ? pick([earliest, latest, 0, -1, 951_782_400]) : earliest + Int64(int(0...Int(latest - earliest)))
        let nanoseconds: Int64 = chance(0.5) ? 0 : Int64(pick([1, 10, 999_999_999, 500_000_000, int(0...999_999_999)]))
        return Timestamp(seconds: seconds, nanoseconds: nanoseconds)
    }
}
