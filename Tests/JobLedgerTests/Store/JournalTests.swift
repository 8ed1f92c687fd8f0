import Foundation
import JobLedger
import Synchronization
import Testing

/// The journal of a durable directory store's group commits, and its recovery: a group of several
/// logs is made durable by one record per log in the store's journal; after a machine crash that
/// lost the logs' own write-back, opening the store (or replaying the directory) puts every
/// journaled append back, byte for byte, and a gap is refused without changing anything.
///
/// A machine crash is simulated on a copy of a live store's directory: its journal as it is, and
/// its logs cut back to what the disk must have held (the bytes before each log's first journal
/// record were synced by a lone `fsync` or an earlier `syncfs`), or garbled past that point.
@Suite struct JournalTests {
    /// The journal files of a store's directory.
    func journals(in directory: String) -> [String] {
        let folder = directory + "/" + Journal.folderName
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix("journal-") }.sorted().map { folder + "/" + $0 }
    }

    /// Every record in a directory's journals.
    func records(in directory: String) -> [JournalRecord] {
        journals(in: directory).flatMap { JournalRecord.decode(Array(FileManager.default.contents(atPath: $0)!)).records }
    }

    /// Copies a store's directory as a crash would find it: the journal, and every log that has
    /// journal records cut back by `cut`, given the log's bytes and the earliest point the disk may
    /// have lost: the start of the journal records that reach the log's end without a break (bytes
    /// before them were synced otherwise: a lone append's `fsync` syncs its whole log).
    func crashCopy(of directory: String, cut: (String, [UInt8], Int64) -> [UInt8]?) throws -> String {
        let copy = Logs.temporaryDirectory() + "-crash"
        try FileManager.default.copyItem(atPath: directory, toPath: copy)
        for (name, records) in Dictionary(grouping: records(in: directory), by: \.name) {
            let path = copy + "/" + name
            let bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
            var offset = Int64(bytes.count)
            for record in records.sorted(by: { $0.offset > $1.offset }) where record.offset < offset {
                guard record.offset + Int64(record.bytes.count) >= offset else { break }
                offset = record.offset
            }
            if let kept = cut(name, bytes, offset) {
                try Data(kept).write(to: URL(fileURLWithPath: path))
            } else {
                try FileManager.default.removeItem(atPath: path)
            }
        }
        return copy
    }

    /// Every `.jsonl` log of a directory, by name.
    func logs(in directory: String) -> [String: Data] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Dictionary(
            uniqueKeysWithValues: names.filter { $0.hasSuffix(".jsonl") }.map { ($0, FileManager.default.contents(atPath: directory + "/" + $0)!) })
    }

    /// A `configured` event at second `i`.
    func configured(_ i: Int) -> PendingEvent { PendingEvent(.configured(config: ["i": .int(i)]), at: Logs.at(i)) }

    /// The CRC, eight bytes at a time, against the standard check value and a bit-at-a-time
    /// reference on every length from 0 to 64 and every alignment.
    @Test func crcAgreesWithTheBitwiseDefinition() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        func reference(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<72).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<8 {
            for count in 0...64 {
                let slice = bytes[start..<(start + count)]
                #expect(CRC32.checksum(Array(slice)) == reference(slice), "\(count) bytes from \(start)")
            }
        }
    }

    /// Records read back as written; a journal cut anywhere gives exactly its whole records, and a
    /// byte changed anywhere in a record ends the journal before it.
    @Test func recordsRoundTripAndACutOrChangedRecordEndsTheJournal() {
        let records = [
            JournalRecord(name: "a.jsonl", offset: 0, bytes: Array("{\"seq\":1}\n".utf8)),
            JournalRecord(name: "b-long-name.jsonl", offset: 1234, bytes: Array("{\"seq\":7}\t\n{\"seq\":8}\n".utf8)),
            JournalRecord(name: "a.jsonl", offset: 10, bytes: Array("{\"seq\":2}\n".utf8)),
        ]
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for record in records {
            record.encode(into: &bytes)
            ends.append(bytes.count)
        }
        #expect(JournalRecord.decode(bytes).records == records)
        #expect(JournalRecord.decode(bytes).end == bytes.count)
        for length in 0...bytes.count {
            let whole = ends.filter { $0 <= length }.count
            let decoded = JournalRecord.decode(Array(bytes[..<length]))
            #expect(decoded.records == Array(records.prefix(whole)), "cut at \(length)")
            #expect(decoded.end == (whole == 0 ? 0 : ends[whole - 1]))
        }
        for position in ends[0]..<ends[1] {
            var changed = bytes
            changed[position] ^= 0x20
            #expect(JournalRecord.decode(changed).records == [records[0]], "byte \(position) changed")
        }
    }

    /// A batch over several logs goes to the journal; a crash that lost the logs' write-back (one
    /// log cut short, one cut inside a record, one garbled, one never written at all) is recovered
    /// byte for byte when the store is next opened read-write. A read-only store refuses to read
    /// the copy and changes nothing.
    @Test func aJournaledBatchIsPutBackAfterACrash() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory, durability: .fsync)
        let old = try (0..<4).map { try JobID("old-\($0)") }
        let new = try JobID("new")
        var acknowledged: [RecordedEvent] = []
        for job in old { acknowledged.append(try ledger.append(Logs.created(), to: job, at: Logs.at(0))) }
        for round in 1...3 {
            var batch = old.map { (job: $0, events: [configured(round * 10), configured(round * 10 + 1)]) }
            if round == 1 { batch.append((job: new, events: [PendingEvent(Logs.created(), at: Logs.at(1))])) }
            if round > 1 { batch.append((job: new, events: [configured(round * 10)])) }
            acknowledged += try ledger.append(batch: batch)
        }
        #expect(acknowledged.count == 4 + 3 * 8 + 3)
        let journaled = records(in: directory)
        #expect(Set(journaled.map(\.name)) == Set((old + [new]).map(\.fileName)), "each batch is one record per log")
        #expect(journaled.count == 3 * 5)
        let expected = logs(in: directory)

        let crashed = try crashCopy(of: directory) { name, bytes, first in
            switch name {
            case "old-0.jsonl": return Array(bytes[..<Int(first)])  // nothing journaled reached the disk
            case "old-1.jsonl": return Array(bytes[..<(Int(first) + 7)])  // cut inside the first record
            case "old-2.jsonl": return Array(bytes[..<Int(first)]) + Array("{\"garbage\":true}\n".utf8)  // never acknowledged
            case "new.jsonl": return nil  // its directory entry never reached the disk
            default: return bytes
            }
        }
        let before = logs(in: crashed)
        #expect(before != expected)
        #expect(throws: JobLedgerError.self) { try DirectoryStore(directory: crashed, mode: .readOnly) }
        do {
            _ = try DirectoryStore(directory: crashed, mode: .readOnly)
        } catch {
            #expect(error.code == .io && error.message.contains("journal") && error.job != nil, "\(error)")
        }
        #expect(logs(in: crashed) == before, "a read-only store changes nothing")

        let reopened = try Ledger(directory: crashed, durability: .fsync)
        #expect(logs(in: crashed) == expected, "every journaled append is back, byte for byte")
        #expect(journals(in: crashed).isEmpty, "the recovered journal is removed")
        for job in old + [new] { #expect(try reopened.events(of: job) == acknowledged.filter { $0.job == job }, "\(job)") }
        #expect(try reopened.append(.queued, to: old[1], at: Logs.at(99)).seq == 8)
    }

    /// A log cut before its first journal record lost bytes that were acknowledged without the
    /// journal: recovery refuses with `corrupt_log`, naming the job, and changes no log (not even
    /// the ones it could have restored).
    @Test func aGapIsCorruptionAndChangesNothing() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory, durability: .fsync)
        let jobs = try (0..<3).map { try JobID("job-\($0)") }
        for job in jobs { try ledger.append(Logs.created(), to: job, at: Logs.at(0)) }
        _ = try ledger.append(batch: jobs.map { (job: $0, events: [configured(1)]) })
        let crashed = try crashCopy(of: directory) { name, bytes, first in
            name == "job-2.jsonl" ? Array(bytes[..<Int(first - 3)]) : Array(bytes[..<Int(first)])
        }
        let before = logs(in: crashed)
        do {
            _ = try Ledger(directory: crashed, durability: .fsync)
            Issue.record("a store with a gap before a journal record was opened")
        } catch {
            #expect(error.code == .corruptLog && error.job == "job-2" && error.message.contains("journal"), "\(error)")
        }
        #expect(logs(in: crashed) == before, "nothing changed")
        #expect(journals(in: crashed).count == 1, "the journal is kept")
    }

    /// Sixteen writers, each to its own job, then one batch over all: the groups they form are
    /// journaled; a crash copy with every log cut back as far as its journal records allow is
    /// refused by a replay, unchanged, and put back to exactly the live logs by `jobledger
    /// recover`, after which a replay sees every event.
    @Test func groupsOfManyWritersAreRecovered() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory, durability: .fsync)
        let jobs = try (0..<16).map { try JobID("w-\($0)") }
        for job in jobs { try ledger.append(Logs.created(), to: job, at: Logs.at(0)) }
        let failures = Mutex<[String]>([])
        let finished = DispatchSemaphore(value: 0)
        for job in jobs {
            Thread {
                do {
                    for step in 1...40 { try ledger.append(.configured(config: ["step": .int(step)]), to: job, at: Logs.at(step)) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                finished.signal()
            }.start()
        }
        for _ in jobs { finished.wait() }
        // A last group of all the logs, so that every log ends with journaled bytes.
        _ = try ledger.append(batch: jobs.map { (job: $0, events: [configured(41)]) })
        #expect(failures.withLock { $0 } == [])
        #expect(records(in: directory).count >= jobs.count)
        let expected = logs(in: directory)
        let crashed = try crashCopy(of: directory) { _, bytes, first in Array(bytes[..<Int(first)]) }
        let before = logs(in: crashed)
        #expect(before != expected, "the crash lost some journaled appends")
        func replayed() -> (seqs: [String: Int], problems: [JobLedgerError]) {
            var seqs: [String: Int] = [:]
            var problems: [JobLedgerError] = []
            Replay(threads: 1).run([crashed], emit: { seqs[$0.job.rawValue] = $0.seq }, reject: { problems.append($0) }, torn: { _ in })
            return (seqs, problems)
        }
        // A replay changes nothing: it refuses the directory and names the command that recovers it.
        let refused = replayed()
        #expect(refused.problems.count == 1 && refused.problems[0].message.contains("jobledger recover"), "\(refused.problems)")
        #expect(logs(in: crashed) == before)
        let recover = try Executables.jobledger("recover", crashed)
        #expect(recover.status == 0 && recover.stderr == "", "\(recover.stderr)")
        #expect(recover.stdout.hasPrefix("{\"restored\":") && recover.stdout != "{\"restored\":0}\n", "\(recover.stdout)")
        #expect(logs(in: crashed) == expected, "every journaled append is back")
        let after = replayed()
        #expect(after.problems.isEmpty, "\(after.problems)")
        for job in jobs { #expect(after.seqs[job.rawValue] == 42, "\(job)") }
        #expect(try Executables.jobledger("recover", crashed).stdout == "{\"restored\":0}\n", "nothing left to recover")
    }

    /// A store's journal is live while the store object is: another store object on the same
    /// directory does not recover it, and appends through both go on; released, the store syncs
    /// and removes its journal.
    @Test func aLiveJournalIsLeftAloneAndRemovedOnRelease() throws {
        let directory = Logs.temporaryDirectory()
        var first: Ledger? = try Ledger(directory: directory, durability: .fsync)
        let jobs = try (0..<2).map { try JobID("job-\($0)") }
        for job in jobs { try first!.append(Logs.created(), to: job, at: Logs.at(0)) }
        _ = try first!.append(batch: jobs.map { (job: $0, events: [configured(1)]) })
        let live = journals(in: directory)
        #expect(live.count == 1)
        let second = try Ledger(directory: directory, durability: .fsync)
        #expect(journals(in: directory) == live, "a live journal is not recovered")
        _ = try second.append(batch: jobs.map { (job: $0, events: [configured(2)]) })
        _ = try first!.append(batch: jobs.map { (job: $0, events: [configured(3)]) })
        #expect(journals(in: directory).count == 2)
        first = nil
        #expect(journals(in: directory).count == 1, "the released store removed its journal")
        #expect(try second.events(of: jobs[0]).map(\.seq) == [1, 2, 3, 4])
    }

    /// The journals' folder is the store's: a file or a symbolic link in its place is refused
    /// with `io_error` naming it, and a process that exited without releasing its store (its
    /// journal dead, every append in its logs) leaves nothing to put back: the next store opens,
    /// read-only or not, and a read-write one removes the journal.
    @Test func theJournalFolderIsCheckedAndADeadCompleteJournalIsRemoved() throws {
        for planted in ["file", "link"] {
            let directory = Logs.temporaryDirectory() + "-" + planted
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let folder = directory + "/" + Journal.folderName
            if planted == "file" {
                #expect(FileManager.default.createFile(atPath: folder, contents: Data()))
            } else {
                try FileManager.default.createSymbolicLink(atPath: folder, withDestinationPath: "/tmp")
            }
            do {
                _ = try DirectoryStore(directory: directory, mode: .readOnly)
                Issue.record("a store opened with a \(planted) as its journals' folder")
            } catch {
                #expect(error.code == .io && error.file == folder, "\(error)")
            }
        }
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory, durability: .fsync)
        let jobs = try (0..<2).map { try JobID("job-\($0)") }
        for job in jobs { try ledger.append(Logs.created(), to: job, at: Logs.at(0)) }
        _ = try ledger.append(batch: jobs.map { (job: $0, events: [configured(1)]) })
        let copy = try crashCopy(of: directory) { _, bytes, _ in bytes }
        #expect(journals(in: copy).count == 1)
        let expected = logs(in: copy)
        _ = try DirectoryStore(directory: copy, mode: .readOnly)
        #expect(journals(in: copy).count == 1, "a read-only store changes nothing")
        _ = try DirectoryStore(directory: copy, durability: .none)
        #expect(journals(in: copy).isEmpty, "a read-write store removes a dead journal it has checked")
        #expect(logs(in: copy) == expected)
    }

    /// A journaled group whose sync fails leaves no record behind: a crash after it cannot bring
    /// back what was refused.
    @Test func aFailedJournaledGroupLeavesNoRecord() throws {
        let directory = Logs.temporaryDirectory()
        let store = try DirectoryStore(directory: directory, durability: .fsync)
        let ledger = Ledger(store: store)
        let jobs = try (0..<2).map { try JobID("job-\($0)") }
        for job in jobs { try ledger.append(Logs.created(), to: job, at: Logs.at(0)) }
        _ = try ledger.append(batch: jobs.map { (job: $0, events: [configured(1)]) })
        let before = records(in: directory)
        let logsBefore = logs(in: directory)
        let commit = try #require(store.groupCommit)
        commit.failSyncs { _, _ in JobLedgerError(.io, "injected: the disk reported a write-back error") }
        #expect(throws: JobLedgerError.self) { try ledger.append(batch: jobs.map { (job: $0, events: [configured(2)]) }) }
        commit.failSyncs(nil)
        #expect(records(in: directory) == before, "the failed group's records are taken back")
        #expect(logs(in: directory) == logsBefore, "and its logs are as they were")
        _ = try ledger.append(batch: jobs.map { (job: $0, events: [configured(3)]) })
        #expect(records(in: directory).count == before.count + 2)
    }
}
