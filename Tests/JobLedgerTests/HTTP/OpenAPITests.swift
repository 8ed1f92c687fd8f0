import Foundation
import JobLedger
import Testing

/// docs/openapi.yaml is the route table, documented: generated from `HTTPRouteTable.specs`, and
/// its paths, methods and status codes read back equal to the table's.
/// `JOBLEDGER_UPDATE_GOLDEN=1 swift test --filter OpenAPITests` rewrites the file.
@Suite struct OpenAPITests {
    static let url = Executables.packageRoot.appendingPathComponent("docs/openapi.yaml")

    @Test func theCommittedDocumentIsTheGeneratedOne() throws {
        let generated = HTTPRouteTable.openAPIDocument
        if ProcessInfo.processInfo.environment["JOBLEDGER_UPDATE_GOLDEN"] == "1" {
            try Data(generated.utf8).write(to: Self.url)
        }
        let committed = try String(contentsOf: Self.url, encoding: .utf8)
        #expect(committed == generated, "docs/openapi.yaml differs from HTTPRouteTable.openAPIDocument; regenerate it")
    }

    /// Reads `paths:` of the committed file as (method path, [status]) with a small line parser.
    static func operations(_ yaml: String) -> [String: [Int]] {
        var operations: [String: [Int]] = [:]
        var path = ""
        var current = ""
        var inPaths = false
        var inResponses = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            let text = line.dropFirst(indent)
            if indent == 0 { inPaths = text == "paths:" ; continue }
            guard inPaths else { continue }
            switch indent {
            case 2: path = String(text.dropLast())
            case 4:
                current = text.dropLast().uppercased() + " " + path
                operations[current] = []
                inResponses = false
            case 6: inResponses = text == "responses:"
            case 8 where inResponses && text.hasPrefix("'"):
                operations[current]!.append(Int(text.dropFirst().prefix(3))!)
            default: break
            }
        }
        return operations
    }

    @Test func everyRouteAndStatusIsDocumentedAndNothingElse() throws {
        let committed = try String(contentsOf: Self.url, encoding: .utf8)
        let documented = Self.operations(committed)
        var table: [String: [Int]] = [:]
        for spec in HTTPRouteTable.specs { table[spec.method + " " + spec.path] = spec.statuses }
        #expect(documented == table)
        #expect(table.count == 23, "2 Sestek + 17 NuPIC + llama-stack + Novita + 2 Bluesight")
        for vendor in HTTPRouteSpec.Vendor.allCases {
            #expect(HTTPRouteTable.specs.contains { $0.vendor == vendor })
        }
    }
}
