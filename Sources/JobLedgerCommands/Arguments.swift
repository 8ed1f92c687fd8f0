import JobLedger

/// A command line that does not fit the command: exit status 2 with the command's usage line.
struct UsageError: Error {
    var message: String
}

/// The exit statuses of `jobledger` (SPEC 4).
public enum ExitCode: Int32, Sendable {
    case success = 0
    /// A log or an event was rejected (or a job is unknown, or a file cannot be read).
    case rejected = 1
    /// Wrong usage: unknown command or flag, missing or malformed argument.
    case usage = 2
}

/// Our own argument parsing (no packages): positionals, `--name value` / `--name=value` options
/// (repeatable), `--help`; `--` ends options.
struct Arguments {
    var positionals: [String] = []
    var options: [String: [String]] = [:]
    var help = false

    init(_ arguments: ArraySlice<String>, options known: Set<String>) throws(UsageError) {
        var rest = arguments[...]
        var onlyPositionals = false
        while let argument = rest.popFirst() {
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            if argument == "--help" || argument == "-h" {
                help = true
                continue
            }
            guard argument.hasPrefix("--") else { throw UsageError(message: "unknown option \(argument)") }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard known.contains(name) else { throw UsageError(message: "unknown option --\(name)") }
            if value == nil {
                guard let next = rest.popFirst() else { throw UsageError(message: "--\(name) needs a value") }
                value = next
            }
            options[name, default: []].append(value!)
        }
    }

    /// The option's value if given once; an error if given twice.
    func single(_ name: String) throws(UsageError) -> String? {
        guard let values = options[name] else { return nil }
        guard values.count == 1 else { throw UsageError(message: "--\(name) is given more than once") }
        return values[0]
    }

    func integer(_ name: String) throws(UsageError) -> Int? {
        guard let text = try single(name) else { return nil }
        // The JSON integer grammar, as `key=value` reads numbers: `+5`, `05` and `5.0` are not integers.
        guard case .int(let value)? = try? JSONValue(parsing: text), text.first != " ", text.last != " " else {
            throw UsageError(message: "--\(name) must be an integer, not \(text)")
        }
        return value
    }

    /// Exactly `count` positionals, named for the message.
    func expect(_ names: [String]) throws(UsageError) {
        if positionals.count < names.count {
            throw UsageError(message: "missing \(names[positionals.count])")
        }
        if positionals.count > names.count {
            throw UsageError(message: "unexpected argument \(positionals[names.count])")
        }
    }

    /// The vocabularies `--vocabulary` names (repeatable), or all of them.
    func vocabularies() throws(UsageError) -> [Vocabulary] {
        guard let names = options["vocabulary"] else { return Vocabulary.allCases }
        var chosen: [Vocabulary] = []
        for name in names {
            guard let vocabulary = Vocabulary(named: name) else {
                throw UsageError(
                    message: "unknown vocabulary \(name) (one of \(Vocabulary.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !chosen.contains(vocabulary) { chosen.append(vocabulary) }
        }
        return chosen
    }
}

/// The `--vocabulary` lines of `replay --help` and `status --help`: every registered vocabulary.
let vocabularyOptionHelp: String = {
    var lines = ["  --vocabulary V   print only V; repeatable. V is one of:"]
    let width = Vocabulary.allCases.map(\.rawValue.count).max() ?? 0
    for vocabulary in Vocabulary.allCases {
        let padding = String(repeating: " ", count: width - vocabulary.rawValue.count)
        lines.append("                     \(vocabulary)\(padding)  \(vocabulary.title)")
    }
    return lines.joined(separator: "\n")
}()

func jobID(_ text: String) throws(UsageError) -> JobID {
    do { return try JobID(text) } catch { throw UsageError(message: error.message) }
}
