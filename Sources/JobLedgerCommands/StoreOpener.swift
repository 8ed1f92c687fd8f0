import JobLedger
import Synchronization

/// Where a command's store comes from. `jobledger` knows directories only; another executable
/// can run the same commands with an opener that also recognises other locations (jobledger-pg:
/// `postgres://` URLs), so the root package never links a database client.
public struct StoreOpener: Sendable {
    public enum Access: Sendable, Equatable {
        /// Reads only (status, list, history; the source of a copy).
        case readOnly
        /// Appends (append, check; the target of a copy).
        case readWrite
    }

    /// What a replay of one location saw.
    public struct ReplaySummary: Sendable, Hashable {
        public var lines: Int
        public var jobs: Int
        public var problems: Int
        public init(lines: Int = 0, jobs: Int = 0, problems: Int = 0) {
            self.lines = lines
            self.jobs = jobs
            self.problems = problems
        }
    }

    /// The store at `location`, or `nil` when `location` is not the opener's (then it is a
    /// directory).
    public var open: @Sendable (_ location: String, _ access: Access) throws(JobLedgerError) -> (any EventStore)?
    /// Replays every job at `location` through the fold, calling `emit` with each job's state (as
    /// of `asOf`) and `reject` with each problem; `nil` when `location` is not the opener's.
    public var replay:
        @Sendable (
            _ location: String, _ asOf: Int?, _ emit: (JobState) -> Void, _ reject: (JobLedgerError) -> Void
        ) -> ReplaySummary?
    /// How to name `location` in output: a URL without its password.
    public var describe: @Sendable (_ location: String) -> String

    public init(
        open: @escaping @Sendable (String, Access) throws(JobLedgerError) -> (any EventStore)?,
        replay: @escaping @Sendable (String, Int?, (JobState) -> Void, (JobLedgerError) -> Void) -> ReplaySummary?,
        describe: @escaping @Sendable (String) -> String
    ) {
        self.open = open
        self.replay = replay
        self.describe = describe
    }

    /// Directories only: `jobledger`'s opener.
    public static let directories = StoreOpener(open: { _, _ in nil }, replay: { _, _, _, _ in nil }, describe: { $0 })

    /// The opener of the running command line (set by ``Commands/main(_:opener:extraCommands:)``).
    static var current: StoreOpener { installed.withLock { $0 } }
    static let installed = Mutex(StoreOpener.directories)
}

/// Opens a store that never writes; a directory's torn tails are reported on stderr.
func readOnlyLedger(_ location: String) throws(JobLedgerError) -> Ledger {
    if let store = try StoreOpener.current.open(location, .readOnly) { return Ledger(store: store) }
    return Ledger(
        store: try DirectoryStore(
            directory: location, durability: .none, mode: .readOnly, onTornWrite: { Output.error($0.description) }))
}

/// Opens a store for writing (durably); a torn tail a directory store moves aside is reported on
/// stderr.
func writableLedger(_ location: String, createDirectory: Bool) throws(JobLedgerError) -> Ledger {
    if let store = try StoreOpener.current.open(location, .readWrite) { return Ledger(store: store) }
    return Ledger(
        store: try DirectoryStore(
            directory: location, durability: .fsync, mode: .readWrite, createDirectory: createDirectory,
            onTornWrite: { Output.error($0.description) }))
}

/// Replays `locations`: each location the opener claims, in order, then the directories and files
/// together (so a job in two of them is a duplicate), on `threads` threads.
/// With `render`, each job is rendered on the thread that replayed it and `write` gets the
/// bytes (``Replay/run(_:render:write:reject:torn:progress:)``); else `emit` gets its state.
func replay(
    _ locations: [String], asOf: Int?, threads: Int, render: Replay.Render? = nil, write: (ArraySlice<UInt8>) -> Void = { _ in },
    emit: (JobState) -> Void = { _ in }, reject: (JobLedgerError) -> Void, torn: (TornWrite) -> Void,
    progress: ((Replay.Progress) -> Void)? = nil
) -> Replay.Summary {
    let opener = StoreOpener.current
    var claimed: [(String, StoreOpener.ReplaySummary)] = []
    var paths: [String] = []
    var rendered: [UInt8] = []
    func emitOrWrite(_ state: JobState) {
        guard let render else { return emit(state) }
        rendered.removeAll(keepingCapacity: true)
        render(state, &rendered)
        write(rendered[...])
    }
    for location in locations {
        if let summary = opener.replay(location, asOf, emitOrWrite, reject) {
            claimed.append((location, summary))
        } else {
            paths.append(location)
        }
    }
    // With no paths this reads nothing and gives an empty summary to add the others to.
    let replay = Replay(asOf: asOf, threads: threads)
    var summary =
        if let render {
            replay.run(paths, render: render, write: write, reject: reject, torn: torn, progress: progress)
        } else {
            replay.run(paths, emit: emit, reject: reject, torn: torn, progress: progress)
        }
    for (_, other) in claimed {
        summary.files += 1
        summary.lines += other.lines
        summary.jobs += other.jobs
        summary.problems += other.problems
    }
    return summary
}
