#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JobLedger
import Synchronization

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
public struct CommandSpec: Sendable {
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

public enum Commands {
    /// `jobledger`'s commands, then those the running executable adds (``main(_:opener:extraCommands:)``).
    static var all: [CommandSpec] { builtIn + extra.withLock { $0 } }

    static let builtIn: [CommandSpec] = [
        ReplayCommand.spec, StatusCommand.spec, ListCommand.spec, HistoryCommand.spec, AppendCommand.spec,
        CheckCommand.spec, VerifyCommand.spec, DiagramCommand.spec, FollowCommand.spec, RecoverCommand.spec,
    ]
    static let extra = Mutex<[CommandSpec]>([])

    static func overview(_ all: [CommandSpec]) -> String {
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

    /// Runs a whole command line (without the program name) with the stores `opener` knows and,
    /// besides the commands of `jobledger`, `extraCommands`; returns the exit status.
    public static func main(
        _ arguments: [String], opener: StoreOpener = .directories, extraCommands: [CommandSpec] = []
    ) -> ExitCode {
        StoreOpener.installed.withLock { $0 = opener }
        extra.withLock { $0 = extraCommands }
        var out = Output()
        let status = run(arguments, &out)
        out.flush()
        if let code = out.writeError {
            Output.error("cannot write output: \(String(cString: strerror(code)))")
            return status == .success ? .rejected : status
        }
        return status
    }

    static func run(_ arguments: [String], _ out: inout Output) -> ExitCode {
        guard let name = arguments.first else {
            Output.error("missing command")
            Output.error("usage: jobledger COMMAND [ARGUMENTS] (see jobledger --help)")
            return .usage
        }
        if name == "--help" || name == "-h" || name == "help" {
            out.write(Array(overview(all).utf8))
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
