import Foundation
import JobLedger
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A replay thread's own descriptor table (``PrivateDescriptorTable``) holds what it was given
/// and nothing else of the process's: no copy keeps a file open, or its `flock` lock held, after
/// the rest of the process closed it.
@Suite struct PrivateDescriptorTableTests {
    /// What the thread saw in its own table.
    struct Seen: Sendable {
        var entered = false
        var keptReadable = false
        var otherOpen = true
        var standardOpen = false
    }

    #if os(Linux)
    @Test func aThreadsOwnTableHoldsOnlyWhatItKept() throws {
        let directory = Logs.temporaryDirectory()
        let log = directory + "/a.jsonl"
        let locked = directory + "/locked"
        try #require(FileManager.default.createFile(atPath: log, contents: Data("x\n".utf8)))
        try #require(FileManager.default.createFile(atPath: locked, contents: Data()))
        let kept = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let lockedFD = open(locked, O_RDONLY | O_CLOEXEC)
        try #require(kept > 2 && lockedFD > 2 && flock(lockedFD, LOCK_EX) == 0)
        defer {
            close(kept)
            close(ends[0])
        }
        let (reader, writer) = (ends[0], ends[1])
        // Not blocking: if a copy of the writer's end were left, the read below would wait.
        try #require(fcntl(reader, F_SETFL, O_NONBLOCK) == 0)

        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let seen = Mutex(Seen())
        Thread.detachNewThread {
            var now = Seen()
            now.entered = PrivateDescriptorTable.enter(keeping: [kept])
            let opened = openat(kept, "a.jsonl", O_RDONLY | O_CLOEXEC)
            now.keptReadable = opened >= 0
            if opened >= 0 { close(opened) }
            now.otherOpen = fcntl(writer, F_GETFD) != -1 || fcntl(lockedFD, F_GETFD) != -1
            now.standardOpen = (0...2).allSatisfy { fcntl($0, F_GETFD) != -1 }
            seen.withLock { $0 = now }
            entered.signal()
            // Alive, with its table, while the process closes the pipe's end and the locked file.
            release.wait()
            done.signal()
        }
        entered.wait()
        let now = seen.withLock { $0 }
        #expect(now.entered, "Linux with glibc 2.34 or later can")
        #expect(now.keptReadable, "the descriptor kept still opens files relative to it")
        #expect(!now.otherOpen, "no other descriptor of the process is in the thread's table")
        #expect(now.standardOpen, "0, 1 and 2 are kept")

        // Closed here, they are closed: no copy in the thread's table holds them.
        close(writer)
        var byte: UInt8 = 0
        #expect(read(reader, &byte, 1) == 0, "the pipe's reader sees its end at once")
        close(lockedFD)
        let again = open(locked, O_RDONLY | O_CLOEXEC)
        #expect(flock(again, LOCK_EX | LOCK_NB) == 0, "the lock went with the last descriptor")
        close(again)
        release.signal()
        done.wait()
    }
    #endif
}
