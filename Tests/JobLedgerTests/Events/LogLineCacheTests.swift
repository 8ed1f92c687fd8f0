import Foundation
import JobLedger
import JobLedgerStoreContract
import Testing

/// What consecutive log lines share is worked out once and kept from line to line: the job's text
/// (`LogLineCache`) and the minute of the time (`Timestamp.MinuteText`). A line written with them
/// warm — from the line before, of the same job or another, in the same minute or any other —
/// must be the line written alone, and a time the text of an independent formatter.
@Suite struct LogLineCacheTests {
    /// Instants where a cached minute must not be reused: minute, hour, day, month and year
    /// boundaries, leap days (2000, 2024) and the days after non-leap February 28ths (1900,
    /// 2100), the epoch, the ends of RFC 3339's range and beyond it.
    static let boundaries: [Int64] = [
        0, 1_700_000_000, 946_684_800, 951_782_400, 951_868_800, 1_709_164_800, 1_709_251_200, -2_203_977_600,
        4_107_456_000, 4_107_542_400, 1_735_689_600, 1_704_067_200, earliest, latest + 1,
        earliest - 86_400 * 366, latest + 86_400 * 366 + 1, 60, -60, 3_600, 86_400,
    ]
    /// The first and last second a log can hold (0000-01-01T00:00:00Z, 9999-12-31T23:59:59Z).
    static let earliest = Timestamp.logRange.lowerBound.seconds
    static let latest = Timestamp.logRange.upperBound.seconds

    /// Fractions that exercise the shortest-fraction rule: none, one digit, nine, trailing zeros.
    static let fractions: [Int64] = [0, 500_000_000, 1, 999_999_999, 120_000_000, 5, 10_000_000, 123_456_789]

    @Test func warmMinutesWriteWhatColdOnesAndAReferenceDo() {
        var minute = Timestamp.MinuteText()
        var checked = 0
        func check(_ time: Timestamp) {
            let warm = time.withRFC3339(minute: &minute) { String(decoding: $0, as: UTF8.self) }
            #expect(warm == time.rfc3339, "\(time.seconds) \(time.nanoseconds)")
            #expect(warm == Self.reference(time), "\(time.seconds) \(time.nanoseconds)")
            checked += 1
        }
        // Every second from two minutes before each boundary to two minutes after, one writer
        // throughout (so each run begins with the previous run's minute in the cache), forwards
        // and then backwards.
        for start in Self.boundaries {
            for offset in Int64(-121)...121 {
                check(Timestamp(seconds: start + offset, nanoseconds: Self.fractions[Int(offset & 7)]))
            }
            for offset in stride(from: Int64(121), through: -121, by: -1) {
                check(Timestamp(seconds: start + offset, nanoseconds: Self.fractions[Int(offset & 7)]))
            }
        }
        // Random times, near and far: jumps of a second, a minute and a century, both ways.
        var random = SplitMix64(seed: 0x5EED)
        var seconds: Int64 = 1_700_000_000
        for _ in 0..<50_000 {
            switch random.next() % 4 {
            case 0: seconds += Int64(random.next() % 3) - 1
            case 1: seconds += Int64(random.next() % 241) - 120
            case 2: seconds = Self.earliest + Int64(random.next() % UInt64(Self.latest - Self.earliest))
            default: seconds += Int64(random.next() % 7_200_001) - 3_600_000
            }
            let nanos = random.next() % 2 == 0 ? 0 : Int64(random.next() % 1_000_000_000)
            check(Timestamp(seconds: seconds, nanoseconds: nanos))
        }
        // The far ends of what a `Timestamp` holds (never in a log, still written the same).
        for time in [Timestamp(seconds: .max, nanoseconds: 999_999_999), Timestamp(seconds: .min), Timestamp(seconds: .min + 59)] {
            #expect(time.withRFC3339(minute: &minute) { String(decoding: $0, as: UTF8.self) } == time.rfc3339)
        }
        #expect(checked == Self.boundaries.count * 486 + 50_000)
    }

    /// A log written by a batched append (its time cache warm from line to line, across minutes
    /// and days) holds the lines each event writes alone, framed as one append.
    @Test func aBatchsLinesAreEachEventsOwn() throws {
        let job = try JobID("0000002a-0000-4000-8000-00000000002a")
        let times: [Int64] = [1_709_251_199, 1_709_251_199, 1_709_251_200, 1_709_251_259, 1_709_251_260, 1_709_251_260, 1_709_337_600]
        let events: [Event] = [
            .created(Creation(origin: .api)), .queued, .dataProcessingStarted, .dataProcessed, .trainingStarted(resources: nil),
            .progressed(percent: 10, epoch: 1), .trainingFinished,
        ]
        let pending = zip(events, times).enumerated().map { index, pair in
            PendingEvent(pair.0, at: Timestamp(seconds: pair.1, nanoseconds: index % 2 == 0 ? 0 : Int64(index) * 100_000_000))
        }
        let directory = Logs.temporaryDirectory()
        let recorded = try Ledger(directory: directory, durability: .none).append(batch: pending.map { (job, [$0]) })
        var alone = ""
        for (index, event) in recorded.enumerated() {
            var line = event.jsonLine
            if index < recorded.count - 1 { line.insert("\t", at: line.index(before: line.endIndex)) }
            alone += line
        }
        let written = try String(contentsOfFile: directory + "/" + job.rawValue + ".jsonl", encoding: .utf8)
        #expect(written == alone)
        #expect(written.contains(#""at":"2024-03-01T00:00:59.3Z""#))
    }

    /// Lines of several jobs in one call (ids held as UUIDs and as text, in turns) are each
    /// job's own lines.
    @Test func linesOfSeveralJobsAreEachJobsOwn() throws {
        let jobs = [try JobID("0000002a-0000-4000-8000-00000000002a"), try JobID("j-1"), try JobID("0000002b-0000-4000-8000-00000000002b")]
        var events: [RecordedEvent] = []
        for index in 0..<12 {
            let at = Timestamp(seconds: 1_700_000_000 + Int64(index * 13), nanoseconds: Int64(index % 3) * 250_000_000)
            events.append(RecordedEvent(seq: index + 1, at: at, job: jobs[index / 2 % 3], event: .progressed(percent: index, epoch: nil)))
        }
        var together: [UInt8] = []
        RecordedEvent.appendLogLines(events, to: &together)
        var alone: [UInt8] = []
        for (index, event) in events.enumerated() {
            event.appendJSONLine(to: &alone)
            if index < events.count - 1 { alone.insert(UInt8(ascii: "\t"), at: alone.count - 1) }
        }
        #expect(String(decoding: together, as: UTF8.self) == String(decoding: alone, as: UTF8.self))
        #expect(String(decoding: together, as: UTF8.self).contains(#""job":"j-1","type":"progressed","percent":3}"#))
    }

    /// A line's type is written from a static copy of the type's name: the two must agree.
    @Test func everyTypesLogNameIsItsRawValue() {
        for type in EventType.allCases {
            #expect(type.logName.description == type.rawValue)
        }
    }

    /// RFC 3339 text worked out another way than the writer's: the year found by whole 400-year
    /// cycles and then year by year, the month by walking the months, the digits by `String`.
    static func reference(_ time: Timestamp) -> String {
        var days = time.seconds / 86_400
        var secondOfDay = time.seconds % 86_400
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += 86_400
        }
        func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
        // Days since 0000-01-01 (1970-01-01 is day 719,528), then 400-year cycles of 146,097 days.
        var day = days + 719_528
        var year = Int64(0)
        let cycles = day >= 0 ? day / 146_097 : (day - 146_096) / 146_097
        year += cycles * 400
        day -= cycles * 146_097
        while day >= (isLeap(year) ? 366 : 365) {
            day -= isLeap(year) ? 366 : 365
            year += 1
        }
        let lengths: [Int64] = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var month = 0
        while day >= lengths[month] {
            day -= lengths[month]
            month += 1
        }
        func padded(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var text = (0...9999).contains(year) ? padded(year, 4) : String(year)
        text += "-" + padded(Int64(month + 1), 2) + "-" + padded(day + 1, 2)
        text += "T" + padded(secondOfDay / 3600, 2) + ":" + padded(secondOfDay / 60 % 60, 2) + ":" + padded(secondOfDay % 60, 2)
        if time.nanoseconds > 0 {
            var fraction = padded(Int64(time.nanoseconds), 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }
}
