#if JOBLEDGER_MUTATION
import Foundation
import JobLedger
import Testing

/// For `Scripts/mutate` only (a build with `-DJOBLEDGER_MUTATION`): writes the ids of every
/// mutant, one a line, to the file `JOBLEDGER_MUTATION_CATALOG` names.
@Suite struct MutationCatalog {
    @Test func writeTheCatalog() throws {
        guard let path = ProcessInfo.processInfo.environment["JOBLEDGER_MUTATION_CATALOG"] else { return }
        let catalog = Mutation.catalog
        #expect(Set(catalog).count == catalog.count, "mutant ids are unique")
        try (catalog.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
#endif
