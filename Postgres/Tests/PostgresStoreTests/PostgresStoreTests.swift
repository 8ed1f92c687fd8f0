import Foundation
import JobLedger
import JobLedgerStoreContract
import Testing

@testable import JobLedgerPostgres

/// Every PostgreSQL test, one at a time: the restart test stops the server.
@Suite(.serialized, .enabled(if: Database.enabled, "JOBLEDGER_POSTGRES_URL is not set (Scripts/ci-postgres sets it)"))
struct PostgresTests {
    @Test(arguments: StoreContract.checks)
    func contract(_ check: StoreContract.Check) throws {
        try check.run { Ledger(store: try Database.store()) }
    }
}
