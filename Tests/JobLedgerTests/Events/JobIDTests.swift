import Foundation
import JobLedger
import Testing

/// A job id that is a lowercase UUID is held as its 128 bits, any other as its text: the two forms
/// must be invisible — the same text back, the same equality, order and hash as the texts.
@Suite struct JobIDTests {
    static let uuids = [
        "00000000-0000-4000-8000-000000000000", "0123abcd-4567-89ef-fedc-ba9876543210", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "9f86d081-884c-4d63-9c1a-2b2f2c3d4e5f", "a0000000-0000-0000-0000-000000000001",
    ]
    /// Ids that look like UUIDs but are not in lowercase canonical form, so stay text.
    static let nearUUIDs = [
        "00000000-0000-4000-8000-00000000000A", "0123ABCD-4567-89EF-FEDC-BA9876543210", "00000000-0000-4000-8000-00000000000g",
        "00000000_0000-4000-8000-000000000000", "000000000-000-4000-8000-000000000000", "00000000-0000-4000-8000-0000000000000",
        "00000000-0000-4000-8000-00000000000", "00000000-0000-4000-8000-00000000000.", "0000000000000400080000000000000000000",
    ]

    /// Ids that are text by any measure, the shortest and the longest.
    static let texts = ["j", "j-1", "A.b_c-9", String(repeating: "z", count: 128)]

    @Test(arguments: uuids + nearUUIDs + texts)
    func theTextComesBack(_ text: String) throws {
        let id = try JobID(text)
        #expect(id.rawValue == text)
        #expect(id.description == text)
        #expect(id.fileName == text + ".jsonl")
        let encoded = try JSONEncoder().encode([id])
        #expect(String(decoding: encoded, as: UTF8.self) == "[\"\(text)\"]")
        #expect(try JSONDecoder().decode([JobID].self, from: encoded) == [id])
    }

    @Test func equalityOrderAndHashAreTheTexts() throws {
        let texts = Self.uuids + Self.nearUUIDs + ["a", "j-1", "zz", "00000000", "ffffffff-ffff-ffff-ffff-fffffffffff"]
        let ids = try texts.map { try JobID($0) }
        for (a, x) in zip(texts, ids) {
            for (b, y) in zip(texts, ids) {
                #expect((x == y) == (a == b), "\(a) == \(b)")
                #expect((x < y) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) < \(b)")
            }
        }
        let again = try ids.map { try JobID($0.rawValue) }
        #expect(again == ids)
        #expect(Set(ids + again).count == Set(texts).count)
        #expect(ids.sorted().map(\.rawValue) == texts.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    /// Every hex digit at every place of a UUID, read from a log line and spelled back out.
    @Test func everyDigitAtEveryPlaceReplays() throws {
        let digits = Array("0123456789abcdef")
        var jobs: [String] = []
        for place in 0..<36 where ![8, 13, 18, 23].contains(place) {
            for digit in digits {
                var text = Array("01234567-89ab-cdef-0123-456789abcdef")
                text[place] = digit
                jobs.append(String(text))
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jobid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = Set(jobs).sorted().map { job in
            #"{"seq":1,"at":"2026-01-01T00:00:00Z","job":"\#(job)","type":"created","origin":"api"}"#
        }.joined(separator: "\n") + "\n"
        let file = directory.appendingPathComponent("all.jsonl")
        try log.write(to: file, atomically: true, encoding: .utf8)
        var seen: [String] = []
        Replay().run([file.path], emit: { seen.append($0.job.rawValue) }, reject: { Issue.record("\($0)") })
        #expect(seen.sorted() == Set(jobs).sorted())
    }
}
