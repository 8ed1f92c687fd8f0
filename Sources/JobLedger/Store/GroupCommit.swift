#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Group commit for a durable directory store: one sync for every append waiting at that moment.
///
/// An appender writes its lines (holding its job's lock and the file's `flock`), then calls
/// ``sync(_:newEntry:)`` and keeps both locks until it returns, so nobody builds on bytes that are
/// not yet durable. The first caller to find no sync running becomes the leader: it takes every
/// appender waiting at that moment — each wrote before the sync starts — and makes all of them
/// durable with one sync; appenders that arrive meanwhile wait for the next one, which one of them
/// leads. Nobody returns before a sync that started after its write has completed.
///
/// The sync of a group: a single file (the only writer at that moment) is `fsync`ed, with the
/// directory when its log was new; several files are journaled (``Journal``: one record per file,
/// one `fdatasync`), or, for a group too large for the journal or one that would fill it, take
/// one `syncfs` on the store's directory, kept open since the store was made so that a write-back
/// error of any file on that file system since then is reported (Linux 5.8 and later), after
/// which the journal starts again. Where there is no `syncfs` there is no journal: every file is
/// `fsync`ed, and the directory once if a log was new.
///
/// A failed sync fails every append of its group and every append already waiting for the next
/// one (their write-back may be the one that failed, and the error is reported once); each takes
/// its bytes back. Locks: the leader holds only its own job's lock while it syncs, and waiting
/// never takes another lock, so appenders of different jobs cannot deadlock here.
package final class GroupCommit: @unchecked Sendable {
    /// What an appender wrote to one log: the descriptor, the path and file name, the bytes and
    /// where they start, so that the group's sync can journal them.
    struct Write {
        let fd: Int32
        let path: String
        let name: [UInt8]
        let offset: Int64
        let bytes: [UInt8]
    }

    /// The appends of one sync: those waiting for the next sync, until a leader takes them. Its
    /// appenders wait on its own condition variable: one broadcast wakes the group when its sync
    /// completes, and none of the appenders already waiting for the sync after it.
    private final class Group {
        // Under the group commit's mutex:
        var writes: [Write] = []
        var newEntry = false
        var members = 0
        /// Set by the leader of the sync that covered it.
        var done = false
        var failure: JobLedgerError?
        /// Set when the group needs one of its appenders to lead its sync: the first to wake
        /// takes it.
        var needsLeader = false
        let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init() {
            condition.initialize(to: pthread_cond_t())
            pthread_cond_init(condition, nil)
        }

        deinit {
            pthread_cond_destroy(condition)
            condition.deallocate()
        }
    }

    let directory: String
    /// The store's directory, opened once for `syncfs`; `-1` where there is no `syncfs`.
    private let directoryFD: Int32
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    // Under the mutex:
    /// The appends waiting for the next sync.
    private var waiting = Group()
    /// Whether a sync is running or its next leader is chosen.
    private var led = false
    /// Syncs run so far, and the fault consulted after each (tests only: see ``failSyncs(_:)``).
    private var syncs = 0
    private var fault: Fault?
    /// How many syncs in a row one appender leads at most (its own append returns after the
    /// last), while others keep arriving.
    static let roundsPerLeader = 8
    // Used by the leader only (one at a time):
    /// The journal, made by the first group it takes.
    private var journal: Journal?
    /// False once a journal could not be made: groups of several logs then take a `syncfs`.
    private var journalAllowed = true

    /// A test's stand-in for a failing disk: called after the real sync of a group with the
    /// sync's number (1, 2, …) and the group's size; an error it returns is taken as the sync's.
    package typealias Fault = @Sendable (_ sync: Int, _ members: Int) -> JobLedgerError?

    init(directory: String) throws(JobLedgerError) {
        self.directory = directory
        directoryFD = FileIO.syncfs == nil ? -1 : try FileIO.openDirectory(directory)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        // The journal is no longer needed once every log is durable; if the last sync fails, it
        // stays for recovery.
        if let journal, let syncfs = FileIO.syncfs, syncfs(directoryFD) == 0 { journal.remove() }
        if directoryFD >= 0 { close(directoryFD) }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Makes durable what the caller wrote to `files` (and, with `newEntry`, their directory
    /// entries) before calling; returns when a sync that started after the call has completed.
    /// The descriptors must stay open, and the caller's locks held, until this returns.
    /// - Throws: the sync's `io_error` (the caller takes its bytes back).
    func sync(_ files: [Write], newEntry: Bool) throws(JobLedgerError) {
        pthread_mutex_lock(mutex)
        let group = waiting
        group.writes += files
        group.newEntry = group.newEntry || newEntry
        group.members += 1
        if led {
            while !group.done && !group.needsLeader { pthread_cond_wait(group.condition, mutex) }
            if group.done {
                pthread_mutex_unlock(mutex)
                if let failure = group.failure { throw failure }
                return
            }
            group.needsLeader = false
        } else {
            led = true
        }
        lead(group)
        if let failure = group.failure { throw failure }
    }

    /// Leads syncs, the mutex held on entry and released on return: one for `group` (everyone
    /// waiting now, the caller among them), then, while appenders are waiting again, up to
    /// ``roundsPerLeader`` more, before leadership passes to one of those still waiting.
    /// Going on at once, rather than waking a sleeping appender to lead, keeps the disk busy: on a
    /// machine with few cores, the woken group would otherwise run before the new leader does.
    private func lead(_ group: Group) {
        var group = group
        var rounds = 0
        while true {
            waiting = Group()
            syncs += 1
            let (number, fault) = (syncs, fault)
            pthread_mutex_unlock(mutex)
            let failure = sync(group, number: number, fault: fault)
            pthread_mutex_lock(mutex)
            // A failed sync fails the next group too: its write-back may be the one that failed.
            var finished = [group]
            if failure != nil {
                finished.append(waiting)
                waiting = Group()
            }
            for done in finished {
                done.done = true
                done.failure = failure
            }
            rounds += 1
            let next = waiting
            let goOn = next.members > 0 && rounds < Self.roundsPerLeader
            if !goOn {
                if next.members > 0 { next.needsLeader = true } else { led = false }
            }
            pthread_mutex_unlock(mutex)
            // Woken after unlocking, so a woken appender does not wait for the mutex.
            for done in finished { pthread_cond_broadcast(done.condition) }
            if !goOn {
                if next.members > 0 { pthread_cond_signal(next.condition) }
                return
            }
            pthread_mutex_lock(mutex)
            group = next
        }
    }

    /// Makes every later sync consult `fault` (tests: a sync failure without a failing disk).
    package func failSyncs(_ fault: Fault?) {
        pthread_mutex_lock(mutex)
        self.fault = fault
        pthread_mutex_unlock(mutex)
    }

    /// How many appends wait for the next sync now (tests: to know a group has formed).
    package var waitingCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return waiting.members
    }

    /// One sync for a whole group (run by its leader alone); the error if it failed, or if the
    /// test's fault says it failed (then a journaled group's records are taken back too).
    private func sync(_ group: Group, number: Int, fault: Fault?) -> JobLedgerError? {
        let (files, newEntry) = (group.writes, group.newEntry)
        do throws(JobLedgerError) {
            if files.count == 1 {
                try FileIO.sync(files[0].fd, files[0].path)
                if newEntry { try FileIO.syncDirectory(directory) }
            } else if let journaled = try journal(files) {
                let failure = fault?(number, group.members)
                if failure != nil { journal?.takeBack(journaled) }
                return failure
            } else if let syncfs = FileIO.syncfs {
                while syncfs(directoryFD) != 0 {
                    if errno == EINTR { continue }
                    throw FileIO.failure("sync the file system of", directory)
                }
                // Every log is durable now, including those only the journal covered.
                journal?.empty()
            } else {
                for file in files { try FileIO.sync(file.fd, file.path) }
                if newEntry { try FileIO.syncDirectory(directory) }
            }
            return fault?(number, group.members)
        } catch {
            return error
        }
    }

    /// Journals a group's writes with one `fdatasync` (``Journal``), if it takes them; the bytes
    /// journaled, or `nil` if the group must be synced otherwise: no `syncfs` to empty the journal
    /// with, a journal that cannot be made here, a group too large, or a checkpoint due.
    private func journal(_ files: [Write]) throws(JobLedgerError) -> Int? {
        guard FileIO.syncfs != nil, journalAllowed else { return nil }
        var size = 0
        for file in files { size += JournalRecord.headerSize + file.name.count + file.bytes.count }
        if journal == nil {
            do throws(JobLedgerError) {
                journal = try Journal(store: directory)
            } catch {
                journalAllowed = false
                return nil
            }
        }
        guard let journal, journal.takes(size) else { return nil }
        var records: [UInt8] = []
        records.reserveCapacity(size)
        for file in files { JournalRecord.encode(name: file.name, offset: file.offset, bytes: file.bytes, into: &records) }
        try journal.write(records)
        return records.count
    }
}
