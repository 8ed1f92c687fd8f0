import JobLedger

extension PostgresStore {
    /// Opens `location` as a store: `nil` unless it is a `postgres://` URL.
    public static func open(_ location: String) throws(JobLedgerError) -> PostgresStore? {
        isURL(location) ? try PostgresStore(url: location) : nil
    }
}
