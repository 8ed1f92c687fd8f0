import Foundation

/// `--store DIR [--host 127.0.0.1] --port N`, and the Sestek bearer token from `JOBLEDGER_TOKEN`.
struct ServerOptions: Sendable {
    var store: String
    var host: String
    var port: Int
    var token: String

    static let usage = "usage: jobledger-server --store DIR [--host 127.0.0.1] --port N   (bearer token in JOBLEDGER_TOKEN)"

    static func parse(_ arguments: ArraySlice<String>) -> ServerOptions {
        var values: [String: String] = [:]
        var rest = arguments
        while let name = rest.popFirst() {
            if name == "--help" || name == "-h" {
                print(usage)
                exit(0)
            }
            guard ["--store", "--host", "--port"].contains(name) else { fail("unknown argument \(name)") }
            guard let value = rest.popFirst() else { fail("\(name) needs a value") }
            values[name] = value
        }
        guard let store = values["--store"] else { fail("missing --store DIR") }
        guard let text = values["--port"], let port = Int(text), (1...65535).contains(port) else { fail("missing or bad --port N") }
        guard let token = ProcessInfo.processInfo.environment["JOBLEDGER_TOKEN"], !token.isEmpty else {
            fail("JOBLEDGER_TOKEN is not set: it is the bearer token the Sestek and Novita routes require")
        }
        return ServerOptions(store: store, host: values["--host"] ?? "127.0.0.1", port: port, token: token)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("jobledger-server: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
}
