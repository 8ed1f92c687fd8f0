#if canImport(Glibc)
import Glibc
#endif
import JobLedger
import JobLedgerCommands
import JobLedgerPostgres

/// `jobledger-pg`: the `jobledger` commands, taking a `postgres://` URL wherever they take a
/// store directory, plus `copy FROM TO` between directories and databases.
let opener = StoreOpener(
    open: { location, _ throws(JobLedgerError) in try PostgresStore.open(location) },
    replay: { location, asOf, emit, reject in
        guard PostgresStore.isURL(location) else { return nil }
        let summary = PostgresReplay(asOf: asOf).run(location, emit: emit, reject: reject)
        return StoreOpener.ReplaySummary(lines: summary.lines, jobs: summary.jobs, problems: summary.problems)
    },
    describe: { PostgresStore.isURL($0) ? PostgresStore.describe($0) : $0 })

exit(Commands.main(Array(CommandLine.arguments.dropFirst()), opener: opener, extraCommands: [Commands.copy]).rawValue)
