#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Wakes a subscription at a fixed interval (the fallback when the store cannot notify).
enum Poller {
    static func start(_ watch: ChangeWatch, every interval: Duration) -> @Sendable () -> Void {
        let task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                watch.mark(nil)
            }
        }
        return { task.cancel() }
    }
}

/// Tells subscriptions which `<job>.jsonl` files of a directory changed: one inotify instance and
/// one thread per watched directory, shared by every subscription on it (Linux). Where inotify is
/// unavailable, subscriptions poll instead.
final class DirectoryWatcher: Sendable {
    private static let watchers = Mutex<[String: DirectoryWatcher]>([:])

    /// The interval of the polling fallback.
    static let fallbackInterval = Duration.milliseconds(250)

    private let directory: String
    private let watches = Mutex<[ObjectIdentifier: ChangeWatch]>([:])
    private let stopped = Atomic<Bool>(false)

    private init(directory: String) { self.directory = directory }

    /// Registers `watch` for changes in `directory`; returns how to unregister it.
    static func watch(_ directory: String, _ watch: ChangeWatch) -> @Sendable () -> Void {
        #if os(Linux)
        let id = ObjectIdentifier(watch)
        let watcher = watchers.withLock { watchers -> DirectoryWatcher? in
            if let watcher = watchers[directory] {
                watcher.watches.withLock { $0[id] = watch }
                return watcher
            }
            guard let watcher = DirectoryWatcher(starting: directory) else { return nil }
            watcher.watches.withLock { $0[id] = watch }
            watchers[directory] = watcher
            return watcher
        }
        guard let watcher else { return Poller.start(watch, every: fallbackInterval) }
        return {
            watchers.withLock { watchers in
                let empty = watcher.watches.withLock { watches in
                    watches[id] = nil
                    return watches.isEmpty
                }
                if empty {
                    watcher.stopped.store(true, ordering: .releasing)
                    if watchers[directory] === watcher { watchers[directory] = nil }
                }
            }
        }
        #else
        return Poller.start(watch, every: fallbackInterval)
        #endif
    }

    #if os(Linux)
    /// Starts inotify on `directory` and its reading thread; `nil` if inotify refuses.
    private convenience init?(starting directory: String) {
        let fd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard fd >= 0 else { return nil }
        // IN_MODIFY: an append's write; IN_CLOSE_WRITE, IN_CREATE, IN_MOVED_TO: a new or replaced log.
        let mask = UInt32(IN_MODIFY) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_CREATE) | UInt32(IN_MOVED_TO)
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            close(fd)
            return nil
        }
        self.init(directory: directory)
        OSThread.start(name: "jobledger-inotify", stackSize: 256 << 10) { [self] in
            self.run(fd)
            close(fd)
        }
    }

    private func run(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !stopped.load(ordering: .acquiring) {
            descriptor.revents = 0
            // Wake every 250 ms to notice that the last subscription left.
            guard poll(&descriptor, 1, 250) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            guard count > 0 else { continue }
            var changed = Set<JobID>()
            var overflow = false
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            buffer.withUnsafeBytes { raw in
                while offset + header <= count {
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 { overflow = true }
                    if length > 0 {
                        let name = raw[(offset + header)..<(offset + header + length)].prefix { $0 != 0 }
                        let text = String(decoding: name, as: UTF8.self)
                        if text.hasSuffix(".jsonl"), let job = JobID(validating: String(text.dropLast(6))) { changed.insert(job) }
                    }
                    offset += header + length
                }
            }
            guard overflow || !changed.isEmpty else { continue }
            for watch in watches.withLock({ Array($0.values) }) {
                if overflow { watch.mark(nil) }
                for job in changed { watch.mark(job) }
            }
        }
    }
    #endif
}
