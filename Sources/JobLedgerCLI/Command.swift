import JobLedger

/// One `jobledger` command: it parses its arguments, calls the library, prints.
protocol Command: Sendable {
    static var name: String { get }
    /// `jobledger replay PATH… [--vocabulary V] [--at SEQ]`
    static var usage: String { get }
    static var summary: String { get }
    /// What `--help` adds after the usage line.
    static var details: String { get }
    /// The options that take a value.
    static var options: Set<String> { get }
    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode
}

/// A command as a value, so the list of commands needs no existential metatypes.
struct CommandSpec: Sendable {
    let name: String
    let usage: String
    let summary: String
    let details: String
    let options: Set<String>
    let run: @Sendable (Arguments, inout Output) throws(UsageError) -> ExitCode
}

extension Command {
    static var spec: CommandSpec {
        CommandSpec(name: name, usage: usage, summary: summary, details: details, options: options, run: run)
    }
}

enum Commands {
    static let all: [CommandSpec] = [
        ReplayCommand.spec, StatusCommand.spec, ListCommand.spec, HistoryCommand.spec, AppendCommand.spec,
        CheckCommand.spec, VerifyCommand.spec, DiagramCommand.spec, FollowCommand.spec,
    ]

    static var overview: String {
        var text = """
            usage: jobledger COMMAND [ARGUMENTS] [--help]

            Replays, verifies and queries JobLedger event logs (JSON Lines, one file per job).

            commands:

            """
        let width = all.map(\.name.count).max()!
        for command in all {
            text += "  " + command.name + String(repeating: " ", count: width - command.name.count + 2) + command.summary + "\n"
        }
        text += "\nexit status: 0 success, 1 a log or an event was rejected, 2 wrong usage.\n"
        text += "Run `jobledger COMMAND --help` for a command's arguments.\n"
        return text
    }

    /// Runs a whole command line (without the program name); returns the exit status.
    static func main(_ arguments: [String]) -> ExitCode {
        var out = Output()
        defer { out.flush() }
        guard let name = arguments.first else {
            Output.error("missing command")
            Output.error("usage: jobledger COMMAND [ARGUMENTS] (see jobledger --help)")
            return .usage
        }
        if name == "--help" || name == "-h" || name == "help" {
            out.write(Array(overview.utf8))
            return .success
        }
        guard let command = all.first(where: { $0.name == name }) else {
            Output.error("unknown command \(name)")
            Output.error("usage: jobledger COMMAND [ARGUMENTS] (see jobledger --help)")
            return .usage
        }
        do {
            let parsed = try Arguments(arguments.dropFirst(), options: command.options)
            if parsed.help {
                out.write(Array("usage: \(command.usage)\n\n\(command.summary)\n\n\(command.details)".utf8))
                return .success
            }
            return try command.run(parsed, &out)
        } catch {
            out.flush()
            Output.error(error.message)
            Output.error("usage: \(command.usage)")
            return .usage
        }
    }
}

/// Prints a library error and gives its exit status.
func report(_ error: JobLedgerError) -> ExitCode {
    Output.error(error)
    return exitCode(for: error)
}
