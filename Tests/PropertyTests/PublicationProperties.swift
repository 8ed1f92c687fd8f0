import Dispatch
import Foundation
import JobLedger
import Synchronization
import Testing

/// The publication rule (SPEC 1, seed 000): for an `api` job that is completed with inference
/// none, a progress check appends exactly one `publicationStarted(progressCheck)`, however many
/// checks run at once; a `console` job is never published by a check; no other state appends.
@Suite("Publication rule properties")
struct PublicationProperties {
    /// A job driven to completed with inference none, and how many checks run at once.
    struct Race {
        var events: [RecordedEvent]
        var checks: Int
    }

    static func render(_ race: Race) -> Rendering {
        var rendering = renderLog(race.events)
        rendering.notes.append("then \(race.checks) concurrent progress checks")
        return rendering
    }

    @Test("Concurrent checks on a completed job append exactly one publicationStarted (api) or none (console)")
    func concurrentChecksPublishOnce() {
        let property = Property<Race>(
            name: "publication under concurrent checks", cases: 80,
            generate: { gen in Race(events: gen.completedLog(job: gen.pick(propertyJobs)), checks: gen.int(1...16)) },
            shrink: { race in
                shrinkLegalLog(race.events).filter { ModelJob.fold(job: $0[0].job.rawValue, $0)!.phase == .completed }
                    .map { Race(events: $0, checks: race.checks) }
                    + (race.checks > 1 ? [Race(events: race.events, checks: race.checks / 2)] : [])
            },
            size: { $0.events.count }, render: Self.render,
            check: { race in
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let job = race.events[0].job
                let origin = ModelJob.fold(job: job.rawValue, race.events)!.creation.origin
                let seed = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                for event in race.events { try! seed.append(event.event, to: job, at: event.at) }
                // In memory; and on disk through two stores, as two processes would be.
                let memory = Ledger.inMemory()
                for event in race.events { try! memory.append(event.event, to: job, at: event.at) }
                let stores = [
                    Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none)),
                    Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none)),
                ]
                for (name, ledgers) in [("in-memory", [memory]), ("directory", stores)] {
                    let answers = Mutex<[String]>([])
                    PropertyTests.race(race.checks) { index in
                        let answer: String
                        do { answer = try ledgers[index % ledgers.count].checkProgress(job).json } catch { answer = "\(error)" }
                        answers.withLock { $0.append(answer) }
                    }
                    let events = (try? ledgers[0].events(of: job)) ?? []
                    let published = events.filter { $0.event == .publicationStarted(trigger: .progressCheck) }.count
                    let expected = origin == .api ? 1 : 0
                    guard published == expected else {
                        return "\(name): \(race.checks) checks of an \(origin) job appended \(published) publicationStarted"
                    }
                    guard events.count == race.events.count + expected else { return "\(name): checks appended other events" }
                    let status = origin == .api ? "\"Pending\"" : "null"
                    for answer in answers.withLock({ $0 }) where !answer.contains("\"inferenceStatus\":\(status)") {
                        return "\(name): a check answered \(answer), expected inferenceStatus \(status)"
                    }
                }
                return nil
            })
        PropertyRunner.run(property)
    }

    @Test("A check appends only for api, completed, inference none; Running implies Completed")
    func checksAppendOnlyWhenTheRuleSays() {
        PropertyRunner.run(
            LifecycleProperties.legalLogs("checks append only when the rule says", cases: 250, length: 1...45) { events in
                let job = events[0].job
                let ledger = Ledger.inMemory()
                var model = ModelJob(job: job.rawValue)
                for event in events {
                    // Appending through the check-interleaved ledger: the model adds what checks add.
                    var fresh = model
                    let at = max(event.at, model.lastAt ?? event.at)
                    guard (try? fresh.append(event.event, at: at)) != nil else { continue }
                    guard (try? ledger.append(event.event, to: job, at: at)) != nil else {
                        return "seq \(fresh.seq): the ledger refused an event the model accepts"
                    }
                    model = fresh
                    let before = model.seq
                    let shouldAppend = model.progressCheckAppends != nil
                    guard let answer = try? ledger.checkProgress(job, at: model.lastAt!) else { return "the check failed" }
                    if shouldAppend { try! model.append(.publicationStarted(trigger: .progressCheck), at: model.lastAt!) }
                    let after = (try? ledger.events(of: job))?.count ?? -1
                    guard after == before + (shouldAppend ? 1 : 0) else {
                        return "after seq \(before) (phase \(model.phase), inference \(model.inference), origin \(model.creation.origin)): "
                            + "the check appended \(after - before) events, expected \(shouldAppend ? 1 : 0)"
                    }
                    guard J.difference(answer.j, model.sestek) == nil else { return "the check answered \(answer.json)" }
                    if answer.inferenceStatus != nil, answer.trainingStatus.rawValue != "Completed" {
                        return "inferenceStatus \(answer.inferenceStatus!) while trainingStatus is \(answer.trainingStatus)"
                    }
                    let ready = (try? ledger.canInfer(job))?.isReady ?? false
                    guard ready == (answer.trainingStatus.rawValue == "Completed" && answer.inferenceStatus?.rawValue == "Running")
                    else { return "canInfer \(ready) with \(answer.json)" }
                }
                return nil
            })
    }
}
