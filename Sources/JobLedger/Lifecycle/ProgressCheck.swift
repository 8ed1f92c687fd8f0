/// What a Sestek progress check does (seed 000; SPEC 1, the publication rule).
///
/// "For models whose training is initiated via the API, the Check Training & Inference Status
/// request serves as the trigger for publishing of the trained model": a check of an `api` job
/// that is completed with inference `none` appends `publicationStarted(trigger: progressCheck)`
/// before it answers, and the answer already shows Pending. Any other check appends nothing.
package enum ProgressCheck: Sendable, Hashable {
    /// Nothing to write; answer from the state as it is.
    case respond
    /// Append this event (`publicationStarted`), then answer from the state after it.
    case appendThenRespond(Event)

    /// The decision for a job in `state`. Pure: the ledger runs it under the job's lock, so
    /// however many checks race, one sees inference `none` and the others see `pending`.
    package static func decide(_ state: JobState) -> ProgressCheck {
        if state.origin == .api && state.phase == .completed && state.inference == .none {
            return .appendThenRespond(.publicationStarted(trigger: .progressCheck))
        }
        return .respond
    }
}

/// Whether inference may be requested (seed 000): trainingStatus must be Completed and
/// inferenceStatus Running; otherwise it says which is missing.
public enum InferenceReadiness: Sendable, Hashable, CustomStringConvertible {
    case ready
    /// What is missing, e.g. `trainingStatus is Training, not Completed`.
    case notReady([String])

    public init(_ state: JobState) {
        let progress = SestekProgress(state)
        var missing: [String] = []
        if progress.trainingStatus != .completed {
            missing.append("trainingStatus is \(progress.trainingStatus.rawValue), not Completed")
        }
        if progress.inferenceStatus != .running {
            missing.append("inferenceStatus is \(progress.inferenceStatus?.rawValue ?? "null"), not Running")
        }
        self = missing.isEmpty ? .ready : .notReady(missing)
    }

    public var isReady: Bool { self == .ready }

    public var description: String {
        switch self {
        case .ready: "ready: trainingStatus is Completed and inferenceStatus is Running"
        case .notReady(let missing): "not ready: " + missing.joined(separator: "; ")
        }
    }
}
