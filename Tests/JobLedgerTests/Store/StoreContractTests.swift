import JobLedger
import JobLedgerStoreContract
import Testing

/// The store contract (Tests/StoreContract) against the stores of this package.
@Suite struct StoreContractTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case memory, directory
        var testDescription: String { rawValue }
        func make() throws -> Ledger {
            switch self {
            case .memory: Ledger.inMemory()
            case .directory: try Ledger(directory: Logs.temporaryDirectory(), durability: .fsync)
            }
        }
    }

    @Test(arguments: Kind.allCases, StoreContract.checks)
    func contract(_ kind: Kind, _ check: StoreContract.Check) throws {
        try check.run(kind.make)
    }
}
