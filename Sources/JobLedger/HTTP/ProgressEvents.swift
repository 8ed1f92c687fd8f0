/// A job's progress as Server-Sent Events, from a ``LedgerSubscription``: one frame per event,
///
/// ```
/// id: 7
/// event: progress
/// data: {"job":"m-42","seq":7,"type":"progressed","sestek":{"percent":40,"trainingStatus":"Training","inferenceStatus":null}}
///
/// ```
///
/// `id` is the event's `seq`, so a client that reconnects with `Last-Event-ID: 7` gets the
/// events after 7, none missed and none twice. The sequence ends when the iterating task is
/// cancelled (the client went away).
public struct ProgressEvents: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let subscription: LedgerSubscription
    let after: Int

    /// The frames of `job`'s events after `after` (a `Last-Event-ID`), then live ones.
    public init(_ ledger: AsyncLedger, job: JobID, after: Int = 0, detection: ChangeDetection = .automatic) {
        // From the first event: the projection needs the whole fold; frames start after `after`.
        subscription = ledger.subscribe(job: job, detection: detection)
        self.after = after
    }

    /// `Last-Event-ID`'s seq, or 0 when absent or not a seq.
    public static func lastEventID(_ header: String?) -> Int {
        header.flatMap { Int($0.trimmingCharacters(in: " ")) }.map { Swift.max(0, $0) } ?? 0
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(events: subscription.makeAsyncIterator(), after: after)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var events: LedgerSubscription.Iterator
        let after: Int
        var state: JobState?

        public mutating func next() async throws -> [UInt8]? {
            while let event = try await events.next() {
                if state == nil { state = try JobState(event) } else { try state!.apply(event) }
                guard event.seq > after else { continue }
                return Self.frame(event, state!)
            }
            return nil
        }

        static func frame(_ event: RecordedEvent, _ state: JobState) -> [UInt8] {
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("job")
            writer.plainString(event.job.rawValue)
            writer.key("seq")
            writer.int(event.seq)
            writer.key("type")
            writer.plainString(event.event.type.rawValue)
            writer.key("sestek")
            SestekProgress(state).write(to: &writer)
            writer.endObject()
            return Array("id: \(event.seq)\nevent: progress\ndata: ".utf8) + writer.bytes + Array("\n\n".utf8)
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
