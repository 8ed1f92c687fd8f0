import Foundation
import Testing

/// `replay` and `verify` on several threads print exactly what they print on one, and show
/// progress only on a terminal.
@Suite struct CLIThreadsTests {
    static let fixtures = Executables.packageRoot.appendingPathComponent("Fixtures").path

    @Test func replayAndVerifyPrintTheSameOnEveryThreadCount() throws {
        for command in [["replay", Self.fixtures], ["replay", Self.fixtures, "--at", "3", "--vocabulary", "sestek"], ["verify", Self.fixtures]] {
            let one = try Executables.run(Executables.jobledger, command + ["--threads", "1"])
            #expect(one.status == 1)
            #expect(!one.stdout.isEmpty)
            #expect(one.stderr.contains("jobledger: "))
            for threads in ["2", "3"] {
                let many = try Executables.run(Executables.jobledger, command + ["--threads", threads])
                #expect(many.status == one.status)
                #expect(many.stdout == one.stdout)
                #expect(many.stderr == one.stderr)
            }
            // The default (one thread per core) too.
            let all = try Executables.run(Executables.jobledger, command)
            #expect(all.stdout == one.stdout && all.stderr == one.stderr && all.status == one.status)
        }
    }

    /// A workload long enough that a terminal would show progress.
    static func workload() throws -> String {
        let file = Logs.temporaryDirectory() + "/workload.jsonl"
        let made = try Executables.run(Executables.bench, ["workload", file, "30000"])
        #expect(made.status == 0)
        return file
    }

    /// With the progress shown from the start (`JOBLEDGER_PROGRESS_AFTER=0`, so that the run is
    /// long enough however fast the machine), a stderr that is not a terminal gets none.
    @Test func noProgressWhenStderrIsNotATerminal() throws {
        let file = try Self.workload()
        for command in [["verify", file], ["replay", file, "--vocabulary", "sestek"], ["verify", file, "--threads", "1"]] {
            let result = try Executables.run(Executables.jobledger, command, environment: ["JOBLEDGER_PROGRESS_AFTER": "0"])
            #expect(result.status == 0)
            #expect(result.stderr == "", "stderr of \(command): \(result.stderr.debugDescription)")
        }
    }

    /// Under `script` stderr is a terminal: the progress line shows (from the start, as above), and
    /// is erased at the end.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressOnATerminal() throws {
        let file = try Self.workload()
        let command = "JOBLEDGER_PROGRESS_AFTER=0 \(Executables.jobledger.path) verify \(file) --threads 2 >/dev/null"
        let result = try Executables.run(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(" events/s"), "terminal output: \(result.stdout.debugDescription)")
        #expect(result.stdout.contains("\r\u{1B}[K"))
        #expect(result.stdout.hasSuffix("\r\u{1B}[K") || result.stdout.hasSuffix("\r\u{1B}[K\r\n") || !result.stdout.contains("events/s\r\n"))
    }
}
