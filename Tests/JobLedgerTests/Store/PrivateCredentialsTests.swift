import Foundation
import JobLedger
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A replay thread's own copy of its credentials (``PrivateCredentials``) changes nothing they
/// say: the thread is the same user, with the same groups and capabilities, and opens files as
/// before.
@Suite struct PrivateCredentialsTests {
    /// The lines of `/proc/thread-self/status` that tell a thread's credentials.
    static func credentials() -> [String] {
        let status = (try? String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8)) ?? ""
        let fields = ["Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:"]
        return status.split(separator: "\n").map(String.init).filter { line in fields.contains { line.hasPrefix($0) } }
    }

    struct Seen: Sendable {
        var before: [String] = []
        var after: [String] = []
        var entered = false
        var opened = false
    }

    #if os(Linux)
    @Test func aThreadsOwnCredentialsSayWhatTheProcesssSay() throws {
        let directory = Logs.temporaryDirectory()
        try #require(FileManager.default.createFile(atPath: directory + "/a.jsonl", contents: Data("x\n".utf8)))
        let process = Self.credentials()
        try #require(process.count >= 8, "the status file tells the credentials: \(process)")

        let done = DispatchSemaphore(value: 0)
        let seen = Mutex(Seen())
        Thread.detachNewThread {
            var now = Seen()
            now.before = Self.credentials()
            now.entered = PrivateCredentials.enter()
            now.after = Self.credentials()
            let fd = open(directory + "/a.jsonl", O_RDONLY | O_CLOEXEC)
            now.opened = fd >= 0
            if fd >= 0 { close(fd) }
            seen.withLock { $0 = now }
            done.signal()
        }
        done.wait()
        let now = seen.withLock { $0 }
        #expect(now.entered, "Linux can, unless the keep-capabilities flag is locked")
        #expect(now.before == process)
        #expect(now.after == now.before, "the copy says what the shared credentials said")
        #expect(now.opened, "the thread opens files as before")
        #expect(Self.credentials() == process, "the rest of the process is as it was")
    }
    #endif
}
