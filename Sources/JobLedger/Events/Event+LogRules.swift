/// What a log line may hold. The reader refuses anything else, so the writer refuses it too:
/// a store never acknowledges an event it could not read back (issue: "an accepted event can
/// brick its job").
public enum LogLimits {
    /// The longest line, `\n` excluded: 4 MiB. A reader meeting a longer line reports it without
    /// holding it in memory.
    public static let maximumLineLength = 4 << 20

    /// How deeply arrays and objects may nest inside a free-form field (`hyperparameters`,
    /// `config`, `resources`): the field's own object is level 1. The line's object is one more
    /// level, so a line nests at most ``JSONScanner/maximumDepth`` deep.
    public static let maximumNesting = JSONScanner.maximumDepth - 1
}

extension JSONValue {
    /// How many containers deep this value nests: 0 for a scalar, 1 for `{}` or `[]`.
    /// Iterative, so a hostile value cannot exhaust the stack.
    public var nesting: Int { scan().nesting }

    /// How many containers deep this value nests, and whether any number in it is not finite:
    /// one pass, iterative, and no paths made (``nonFiniteNumber(path:)`` makes them when needed).
    func scan() -> (nesting: Int, nonFinite: Bool) {
        var deepest = 0
        var nonFinite = false
        var stack: [(JSONValue, Int)] = [(self, 0)]
        while let (value, depth) = stack.popLast() {
            switch value {
            case .array(let values):
                deepest = max(deepest, depth + 1)
                for child in values { stack.append((child, depth + 1)) }
            case .object(let object):
                deepest = max(deepest, depth + 1)
                for entry in object.entries { stack.append((entry.value, depth + 1)) }
            case .double(let number):
                deepest = max(deepest, depth)
                if !number.isFinite { nonFinite = true }
            default:
                deepest = max(deepest, depth)
            }
        }
        return (deepest, nonFinite)
    }

    /// The first number JSON cannot write (NaN or an infinity), as a path like `a.b[2]`.
    func nonFiniteNumber(path: String) -> String? {
        var stack: [(JSONValue, String)] = [(self, path)]
        while let (value, path) = stack.popLast() {
            switch value {
            case .double(let number) where !number.isFinite: return path
            case .array(let values):
                for (index, child) in values.enumerated().reversed() { stack.append((child, "\(path)[\(index)]")) }
            case .object(let object):
                for entry in object.entries.reversed() { stack.append((entry.value, "\(path).\(entry.key)")) }
            default: break
            }
        }
        return nil
    }
}

extension RecordedEvent {
    /// Checks what only the log's format limits (the transition table checks the rest): the
    /// time within ``Timestamp/logRange``, free-form objects nested at most
    /// ``LogLimits/maximumNesting`` deep, numbers in them finite (a checkpoint's metrics are
    /// checked by the fold, ``JobState/validate(_:)``).
    /// - Throws: `invalid_event` naming the field and the rule.
    func checkLogRules() throws(JobLedgerError) {
        guard at.isInLogRange else {
            throw JobLedgerError(
                .invalidEvent,
                "\(event.type): time \(at) is outside what a log holds (0000-01-01T00:00:00Z…9999-12-31T23:59:59Z, RFC 3339 in UTC)")
        }
        func check(_ object: JSONObject?, _ field: String) throws(JobLedgerError) {
            guard let object else { return }
            let value = JSONValue.object(object)
            let (nesting, nonFinite) = value.scan()
            guard nesting <= LogLimits.maximumNesting else {
                throw JobLedgerError(
                    .invalidEvent,
                    "\(event.type): field \(field) nests \(nesting) levels deep; a log holds at most \(LogLimits.maximumNesting)")
            }
            if nonFinite, let path = value.nonFiniteNumber(path: field) {
                throw JobLedgerError(.invalidEvent, "\(event.type): \(path) is not a finite number (JSON has no NaN or infinity)")
            }
        }
        switch event {
        case .created(let creation): try check(creation.hyperparameters, "hyperparameters")
        case .configured(let config): try check(config, "config")
        case .trainingStarted(let resources): try check(resources, "resources")
        default: break
        }
    }
}

/// How the lines of one append are framed in a log (docs/log-format.md, "Batches").
enum LogFraming {
    /// The byte before `\n` on every line of an append but its last: "more of this append
    /// follows". A tab, not a space, so that a hand-edited line with a trailing space is never
    /// taken for part of an append a crash cut short. JSON allows it as whitespace.
    static let continued = UInt8(ascii: "\t")
}
