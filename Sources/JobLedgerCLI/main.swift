#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JobLedgerCommands

exit(Commands.main(Array(CommandLine.arguments.dropFirst())).rawValue)
