#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The logs of a large directory replayed while the directory is still being listed (a replay on
/// more than one thread, ``Replay/threads``).
///
/// A replay hands on files in name order, so it lists and sorts a directory before any thread
/// has work: for a store of a hundred thousand logs, a tenth of a second in which the other
/// threads would wait. Instead they replay the logs the listing has already met, in the order
/// the directory gives them, until the replay proper starts (at most ``limit`` files); the pool
/// then takes a file's replay from here rather than reading the file again. Each file is still
/// read under its shared lock, from the same open directory, and rendered as the pool renders
/// it, so what a replay reports does not change — only when a file was read.
///
/// Only a directory of more than ``Replay/sizedLogs`` entries is prefetched from, and only its
/// regular files named `*.jsonl` (what the walk replays as they are).
final class ReplayPrefetch: @unchecked Sendable {
    /// A file's replay, and why it failed, if it did.
    struct Done {
        let box: ReplayBox
        let failure: JobLedgerError?
    }

    /// Files prefetched at most: the replay proper holds this many results at once at most
    /// beyond its own window (a file of a store's is a few hundred bytes of them).
    static let limit = 16_384

    let threads: Int
    let asOf: Int?
    let render: Replay.Render?

    /// Names the listing handed over: entries as ``DirectoryListing`` keeps them (type byte,
    /// name, zero byte), the first at `base` of the directory's bytes.
    private struct Chunk {
        let directory: Int
        let bytes: [UInt8]
        let base: Int
    }

    private let condition = OSCondition()
    // Guarded by `condition`:
    /// Per directory: a copy of its descriptor (closed by ``stop()``) and its path's start.
    private var directories: [(fd: Int32, prefix: [UInt8])] = []
    private var chunks: [Chunk] = []
    /// The next entry to take: its chunk, and where it starts in it.
    private var cursor = (chunk: 0, offset: 0)
    private var taken = 0
    private var started = false
    private var stopped = false
    private var running = 0
    /// Not checked for overlapping access at run time (a check per file taken): written under the
    /// lock by the threads, read by ``take(directory:key:)`` only after ``stop()``.
    @exclusivity(unchecked) private var done: [Int: Done] = [:]

    init(threads: Int, asOf: Int?, render: Replay.Render?) {
        self.threads = threads
        self.asOf = asOf
        self.render = render
    }

    /// A directory being listed from `fd`, whose paths start with `prefix`: its number for
    /// ``listed(_:bytes:base:)`` and ``take(directory:key:)``.
    func begin(fd: Int32, prefix: [UInt8]) -> Int {
        let copy = dup(fd)
        condition.lock()
        defer { condition.unlock() }
        directories.append((copy, prefix))
        return directories.count - 1
    }

    /// More entries of `directory`, the first at `base` of its listing's bytes. The first call
    /// starts the threads.
    func listed(_ directory: Int, bytes: ArraySlice<UInt8>, base: Int) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, directories[directory].fd >= 0, !bytes.isEmpty else { return }
        chunks.append(Chunk(directory: directory, bytes: Array(bytes), base: base))
        if !started {
            started = true
            running = threads
            for index in 0..<threads {
                OSThread.start(name: "prefetch-\(index + 1)", stackSize: 8 << 20) { self.work() }
            }
        } else {
            condition.broadcast()
        }
    }

    /// Stops the threads (each finishes the file it is reading) and closes the directories'
    /// descriptors. After this, ``take(directory:key:)`` gives what was done.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        for directory in directories where directory.fd >= 0 { close(directory.fd) }
        chunks = []
        condition.unlock()
    }

    /// The prefetched replay of the entry at `key` of `directory`'s listing (the start of its
    /// name, ``DirectoryListing/key(_:)``), if there is one: taken out. Only after ``stop()``.
    func take(directory: Int, key: Int) -> Done? {
        done.removeValue(forKey: directory << 32 | key)
    }

    /// Whether anything was prefetched and not taken yet.
    var isEmpty: Bool { done.isEmpty }

    private func work() {
        PrivateCredentials.enter()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: FileReplay.scratchSize, alignment: 16)
        defer { scratch.deallocate() }
        // The last file's minute of time, handed to the next file's decoder: its replay is kept,
        // not reused, and a cold decoder parses each line's time whole.
        var minutes = Timestamp.MinuteCache()
        // Copied once, not per file: see `ReplayPool.performRun`.
        let renders = render != nil
        let render = render ?? { _, _ in }
        condition.lock()
        while !stopped && taken < Self.limit {
            guard cursor.chunk < chunks.count else {
                condition.wait()
                continue
            }
            // The next entry: a regular file named `*.jsonl`, not hidden.
            let chunk = chunks[cursor.chunk]
            let start = cursor.offset
            let end = chunk.bytes[(start + 1)...].firstIndex(of: 0)!
            if end + 1 < chunk.bytes.count {
                cursor.offset = end + 1
            } else {
                cursor = (cursor.chunk + 1, 0)
            }
            let name = chunk.bytes[(start + 1)..<end]
            guard chunk.bytes[start] == UInt8(DT_REG), name.first != UInt8(ascii: "."),
                name.withUnsafeBufferPointer(DirectoryListing.isLogName)
            else { continue }
            taken += 1
            let directory = directories[chunk.directory]
            condition.unlock()
            let path = String(decoding: directory.prefix + name, as: UTF8.self)
            var replay = FileReplay(file: path, ordinal: 0, asOf: asOf)
            replay.decoder.minutes = minutes
            var failure: JobLedgerError?
            do {
                let log = try chunk.bytes.withUnsafeBufferPointer { bytes throws(JobLedgerError) in
                    try FileReplay.open(
                        at: directory.fd, name: UnsafeRawPointer(bytes.baseAddress! + start + 1).assumingMemoryBound(to: CChar.self), file: path,
                        scratch: scratch)
                }
                defer { close(log.fd) }
                try replay.read(log, scratch: scratch) { _ in }
            } catch {
                failure = error
            }
            if renders, failure == nil { replay.render(render) }
            minutes = replay.decoder.minutes
            condition.lock()
            done[chunk.directory << 32 | (chunk.base + start + 1)] = Done(box: ReplayBox(replay), failure: failure)
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
