#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

exit(Commands.main(Array(CommandLine.arguments.dropFirst())).rawValue)
