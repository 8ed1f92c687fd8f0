// `Logs` lives in the store contract target, which the PostgreSQL package's tests use too.
@_exported import JobLedgerStoreContract
