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
/// events after 7, none missed and none twice. While no event comes, a `: heartbeat` comment
/// goes out every 15 s, so the server notices a client that went away; when the reader stops,
/// the subscription ends.
public struct ProgressEvents: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let subscription: LedgerSubscription
    let after: Int
    let heartbeat: Duration?

    /// The frames of `job`'s events after `after` (a `Last-Event-ID`), then live ones.
    /// - Parameter heartbeat: how often to send a `: heartbeat` comment while no event comes, so
    ///   a server notices a client that went away (its write fails) and ends the subscription;
    ///   `nil` for none.
    public init(
        _ ledger: AsyncLedger, job: JobID, after: Int = 0, heartbeat: Duration? = .seconds(15),
        detection: ChangeDetection = .automatic
    ) {
        // From the first event: the projection needs the whole fold; frames start after `after`.
        subscription = ledger.subscribe(job: job, detection: detection)
        self.after = after
        self.heartbeat = heartbeat
    }

    /// `Last-Event-ID`'s seq, or 0 when absent or not a seq.
    public static func lastEventID(_ header: String?) -> Int {
        header.flatMap { Int($0.trimmingCharacters(in: " ")) }.map { Swift.max(0, $0) } ?? 0
    }

    /// The comment frame sent while no event comes.
    public static let heartbeatFrame = Array(": heartbeat\n\n".utf8)

    public func makeAsyncIterator() -> AsyncThrowingStream<[UInt8], any Error>.Iterator {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        let (subscription, after) = (self.subscription, self.after)
        let frames = Task {
            do {
                var state: JobState?
                for try await event in subscription {
                    if state == nil { state = try JobState(event) } else { try state!.apply(event) }
                    guard event.seq > after else { continue }
                    continuation.yield(Self.frame(event, state!))
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let beats = heartbeat.map { interval in
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    continuation.yield(Self.heartbeatFrame)
                }
            }
        }
        // The reader stopped (the client went away, or the task was cancelled): end both tasks,
        // which ends the subscription and its watch.
        continuation.onTermination = { _ in
            frames.cancel()
            beats?.cancel()
        }
        return stream.makeAsyncIterator()
    }

    static func frame(_ event: RecordedEvent, _ state: JobState) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("job")
        writer.jobID(event.job)
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

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
