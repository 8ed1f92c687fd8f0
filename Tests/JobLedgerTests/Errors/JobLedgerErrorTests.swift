import JobLedger
import Testing

@Suite struct JobLedgerErrorTests {
    /// Raw values are part of the API: clients match on them.
    @Test func codesAreStable() {
        #expect(JobLedgerError.Code.allCases.map(\.rawValue) == [
            "illegal_transition", "invalid_event", "unknown_job", "duplicate_job", "version_conflict", "corrupt_log",
            "invalid_job_id", "invalid_pagination", "invalid_argument", "invalid_session_key", "no_active_session",
            "session_active", "not_ready", "io_error",
        ])
    }

    @Test(arguments: [
        (JobLedgerError.Code.invalidEvent, 400, "Bad Request"), (.invalidJobID, 400, "Bad Request"),
        (.invalidPagination, 400, "Bad Request"), (.invalidArgument, 400, "Bad Request"),
        (.invalidSessionKey, 403, "Forbidden"), (.unknownJob, 404, "Not Found"), (.noActiveSession, 404, "Not Found"),
        (.illegalTransition, 409, "Conflict"), (.duplicateJob, 409, "Conflict"), (.versionConflict, 409, "Conflict"),
        (.sessionActive, 409, "Conflict"), (.notReady, 409, "Conflict"),
        (.corruptLog, 500, "Internal Server Error"), (.io, 500, "Internal Server Error"),
    ])
    func httpStatus(_ code: JobLedgerError.Code, _ status: Int, _ title: String) {
        let problem = JobLedgerError(code, "m").problemDetails
        #expect(problem.status == status)
        #expect(problem.title == title)
        #expect(problem.code == code.rawValue)
    }

    @Test func descriptionNamesPlaceJobAndRule() throws {
        let state = try Logs.state(Logs.reaching(.trained), job: "m-42")
        let error = try #require(throws: JobLedgerError.self) { try state.after(.progressed(percent: 99, epoch: nil)) }
        let placed = error.at(file: "logs/m-42.jsonl", line: 7)
        #expect(placed.description == "logs/m-42.jsonl:7: job m-42: illegal transition: progressed in phase trained (legal from trainingStarted, training when percent ≥ the last percent)")
        #expect(placed.problemDetails.json == #"{"status":409,"title":"Conflict","detail":"logs/m-42.jsonl:7: job m-42: illegal transition: progressed in phase trained (legal from trainingStarted, training when percent ≥ the last percent)","code":"illegal_transition"}"#)
        // The first place wins.
        #expect(placed.at(file: "other", line: 1).file == "logs/m-42.jsonl")
    }

    @Test(arguments: ["", ".hidden", "a/b", "../x", "a b", String(repeating: "x", count: 129), "ü", "a\u{0}b"])
    func invalidJobIDs(_ text: String) {
        #expect(JobID(validating: text) == nil)
        #expect(throws: JobLedgerError.self) { try JobID(text) }
    }

    @Test(arguments: ["a", "j-1", "A.b_c-9", String(repeating: "x", count: 128), "x.", "00000000-0000-4000-8000-000000000000"])
    func validJobIDs(_ text: String) throws {
        #expect(try JobID(text).rawValue == text)
        #expect(try JobID(text).fileName == text + ".jsonl")
    }

    /// The id check reads eight bytes at a time: every byte, at every place of ids shorter than,
    /// as long as and longer than a word, is judged as the one-character rule judges it.
    @Test func everyByteAtEveryPlaceOfAnID() {
        func allowed(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
        var wrong: [String] = []
        for length in [2, 7, 8, 9, 15, 16, 17, 36] {
            for place in 1..<length {
                for byte in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[place] = byte
                    // A byte above 0x7F is no UTF-8 alone: the string holds U+FFFD's bytes instead.
                    let valid = JobID.problem(with: String(decoding: bytes, as: UTF8.self)) == nil
                    if valid != allowed(byte) { wrong.append("byte \(byte) at \(place) of \(length)") }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }

    @Test func invalidJobIDMessage() {
        let error = try? #require(throws: JobLedgerError.self) { try JobID("../etc/passwd") }
        #expect(error?.code == .invalidJobID)
        #expect(error?.message == #"invalid job id "../etc/passwd": it starts with '.'"#)
        #expect((try? JobID("a/b")) == nil)
        #expect(JobID.problem(with: "a/b") == "character 2 is '/'; only A-Z a-z 0-9 . _ - are allowed")
    }
}
