import JobLedger

/// Shrinking: smaller variants of a failing input, most aggressive first. The runner keeps the
/// first variant that still fails and starts again from it.

/// Removes chunks of `n/2`, `n/4`, … down to single elements.
func removingChunks<T>(_ values: [T]) -> [[T]] {
    var candidates: [[T]] = []
    var size = values.count / 2
    while size >= 1 {
        var start = 0
        while start < values.count {
            var smaller = values
            smaller.removeSubrange(start..<min(values.count, start + size))
            candidates.append(smaller)
            start += size
        }
        size /= 2
    }
    if values.count == 1 { candidates.append([]) }
    return candidates
}

/// Simpler versions of one event: optional fields dropped, strings and objects made plain.
func simplerEvents(_ event: Event) -> [Event] {
    func plain(_ text: String) -> [String] { text == "x" || text.isEmpty ? [] : ["x"] }
    switch event {
    case .created(let creation):
        let bare = Creation(origin: creation.origin)
        return creation == bare ? [] : [.created(bare)]
    case .configured(let config):
        return config.isEmpty ? [] : [.configured(config: [:])]
    case .datasetUploadStarted(let files):
        return files == nil ? [] : [.datasetUploadStarted(files: nil)]
    case .trainingStarted(let resources):
        return resources == nil ? [] : [.trainingStarted(resources: nil)]
    case .progressed(let percent, let epoch):
        var simpler: [Event] = []
        if epoch != nil { simpler.append(.progressed(percent: percent, epoch: nil)) }
        if percent != 0 && (0...100).contains(percent) && percent % 10 != 0 {
            simpler.append(.progressed(percent: percent / 10 * 10, epoch: epoch))
        }
        return simpler
    case .checkpointSaved(let checkpoint):
        var simpler: [Event] = []
        if checkpoint.metrics != nil {
            simpler.append(.checkpointSaved(Checkpoint(identifier: checkpoint.identifier, epoch: checkpoint.epoch, path: checkpoint.path)))
        }
        for identifier in plain(checkpoint.identifier) {
            simpler.append(.checkpointSaved(Checkpoint(identifier: identifier, epoch: checkpoint.epoch, path: checkpoint.path, metrics: checkpoint.metrics)))
        }
        for path in plain(checkpoint.path) {
            simpler.append(.checkpointSaved(Checkpoint(identifier: checkpoint.identifier, epoch: checkpoint.epoch, path: path, metrics: checkpoint.metrics)))
        }
        return simpler
    case .completed(let model): return plain(model).map { .completed(model: $0) }
    case .failed(let error): return plain(error).map { .failed(error: $0) }
    case .cancelled(let reason): return reason == nil ? [] : [.cancelled(reason: nil)]
    case .publicationFailed(let error): return plain(error).map { .publicationFailed(error: $0) }
    case .modelImportStarted(let type, let name):
        return plain(type).map { .modelImportStarted(modelType: $0, modelName: name) }
            + plain(name).map { .modelImportStarted(modelType: type, modelName: $0) }
    case .modelImportFailed(let error): return plain(error).map { .modelImportFailed(error: $0) }
    case .queued, .dataProcessingStarted, .dataProcessed, .trainingFinished, .modelUploadStarted,
        .publicationStarted, .published, .modelImported:
        return []
    }
}

/// Simpler versions of a list of pending events: fewer events, simpler events, whole seconds.
func simplerPending(_ events: [PendingEvent]) -> [[PendingEvent]] {
    var candidates: [[PendingEvent]] = events.count > 1 ? removingChunks(events).filter { !$0.isEmpty } : []
    for (index, pending) in events.enumerated() {
        for event in simplerEvents(pending.event) {
            var simpler = events
            simpler[index].event = event
            candidates.append(simpler)
        }
    }
    return candidates
}

/// Shrinks a program of commands: drops commands, then simplifies each one.
func shrinkCommands(_ commands: [Command]) -> [[Command]] {
    var candidates = removingChunks(commands)
    // All times as whole minutes in order, if the failure does not depend on them.
    let normalized = normalizingTimes(commands)
    if times(of: normalized) != times(of: commands) { candidates.append(normalized) }
    for (index, command) in commands.enumerated() {
        var replacements: [Command] = []
        switch command {
        case .append(let job, let events, let expectedSeq):
            if expectedSeq != nil { replacements.append(.append(job: job, events: events, expectedSeq: nil)) }
            replacements += simplerPending(events).map { .append(job: job, events: $0, expectedSeq: expectedSeq) }
        case .batch(let groups):
            replacements += groups.map { .append(job: $0.job, events: $0.events, expectedSeq: nil) }
            if groups.count > 1 { replacements += removingChunks(groups).filter { !$0.isEmpty }.map { .batch($0) } }
        case .read(let job, .some):
            replacements.append(.read(job: job, asOf: nil))
        case .list(let limit, let cursor):
            if cursor != "" { replacements.append(.list(limit: limit, cursor: "")) }
        case .check, .read, .reopen:
            break
        }
        for replacement in replacements {
            var simpler = commands
            simpler[index] = replacement
            candidates.append(simpler)
        }
    }
    return candidates
}

/// The same program with every time replaced by whole minutes from one base, in the same order
/// (ties kept as ties, going backwards kept as going backwards).
func normalizingTimes(_ commands: [Command]) -> [Command] {
    let distinct = Array(Set(times(of: commands))).sorted()
    let base = Timestamp(seconds: 1_795_000_000)
    func normal(_ time: Timestamp) -> Timestamp {
        Timestamp(seconds: base.seconds + 60 * Int64(distinct.firstIndex(of: time)!))
    }
    func normal(_ events: [PendingEvent]) -> [PendingEvent] { events.map { PendingEvent($0.event, at: normal($0.at)) } }
    return commands.map { command in
        switch command {
        case .append(let job, let events, let expectedSeq): .append(job: job, events: normal(events), expectedSeq: expectedSeq)
        case .batch(let groups): .batch(groups.map { ($0.job, normal($0.events)) })
        case .check(let job, let at): .check(job: job, at: normal(at))
        default: command
        }
    }
}

/// Every time in a program, in order.
func times(of commands: [Command]) -> [Timestamp] {
    var times: [Timestamp] = []
    for command in commands {
        switch command {
        case .append(_, let events, _): times += events.map(\.at)
        case .batch(let groups): times += groups.flatMap { $0.events.map(\.at) }
        case .check(_, let at): times.append(at)
        default: break
        }
    }
    return times
}

/// The events the reference model accepts, in order, renumbered 1, 2, 3 …: what is left of a
/// legal log after shrinking removed some of its events.
func legalized(_ events: [RecordedEvent], job: String) -> [RecordedEvent] {
    var model = ModelJob(job: job)
    for event in events { try? model.append(event.event, at: event.at) }
    return model.events
}

/// Shrinks a legal log: fewer events, simpler events, kept legal.
func shrinkLegalLog(_ events: [RecordedEvent]) -> [[RecordedEvent]] {
    guard let job = events.first?.job.rawValue else { return [] }
    var candidates = removingChunks(events).map { legalized($0, job: job) }.filter { !$0.isEmpty && $0.count < events.count }
    for (index, recorded) in events.enumerated() {
        for simpler in simplerEvents(recorded.event) {
            var log = events
            log[index].event = simpler
            let legal = legalized(log, job: job)
            if legal.count == events.count { candidates.append(legal) }
        }
    }
    return candidates
}

/// A legal log's report: its lines, ready for `jobledger verify` or `replay`.
func renderLog(_ events: [RecordedEvent]) -> Rendering {
    Rendering(notes: ["\(events.count) events of job \(events.first?.job.rawValue ?? "-")"], log: jsonLines(events))
}
