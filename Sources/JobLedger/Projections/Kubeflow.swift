/// A Kubeflow `PyTorchJob` (training-operator `kubeflow.org/v1`, SPEC 2b), the part a poller
/// reads: `{"metadata": {"name"}, "status": {"conditions": [...], "startTime", "completionTime"?,
/// "lastReconcileTime"}}`. Times are RFC 3339 UTC in whole seconds, as `metav1.Time` writes them.
///
/// The conditions are built from the job's history, in the order they first happened:
/// `Created` (True from `created` on); `Running` (True from `trainingStarted`, False from the
/// terminal event on); then `Succeeded`, `Failed` or, for a cancelled job, `Suspended` (Kubeflow
/// has no cancelled state; lossy).
package struct KubeflowPyTorchJob: VocabularyProjection, Hashable, Encodable {
    package static let name = "kubeflow"
    package static let title = "Kubeflow PyTorchJob (kubeflow.org/v1)"
    /// kubectl's State column: the type of the last condition.
    package static let phaseFields = ["State (last condition)"]
    package static func phaseValues(_ phase: Phase) -> [String] { [KubeflowConditionType.last(phase).rawValue] }
    package static let documentedValues = [
        DocumentedValues("type", produced: KubeflowConditionType.allCases.map(\.rawValue), notProduced: ["Restarting"]),
        DocumentedValues("status", produced: ["True", "False"], notProduced: ["Unknown"]),
    ]

    package var name: String
    package var conditions: [KubeflowJobCondition]
    /// The `created` time (the controller's acknowledgement).
    package var startTime: Timestamp
    /// The time of `completed` or `failed`.
    package var completionTime: Timestamp?
    /// The last event's time.
    package var lastReconcileTime: Timestamp

    package init(_ state: JobState) {
        let job = state.job.rawValue
        name = job
        startTime = state.createdAt
        lastReconcileTime = state.lastEventAt
        completionTime = state.phase == .completed || state.phase == .failed ? state.finishedAt : nil
        // Walk the phases the job was in; each change of the condition type a phase stands for
        // sets that condition (True), and an ending one turns Running False.
        var conditions: [KubeflowJobCondition] = []
        for change in state.phaseHistory {
            let type = KubeflowConditionType.last(change.phase)
            if conditions.last?.type == type { continue }
            switch type {
            case .created:
                conditions.append(KubeflowJobCondition(type: .created, message: "PyTorchJob \(job) is created.", at: change.at))
            case .running:
                conditions.append(KubeflowJobCondition(type: .running, message: "PyTorchJob \(job) is running.", at: change.at))
            case .succeeded, .failed, .suspended:
                if let running = conditions.firstIndex(where: { $0.type == .running }) {
                    conditions[running].status = "False"
                    conditions[running].lastUpdateTime = change.at
                    conditions[running].lastTransitionTime = change.at
                }
                let message: String
                switch type {
                case .succeeded: message = "PyTorchJob \(job) is successfully completed."
                case .failed: message = state.error ?? ""
                default: message = state.cancelReason ?? "PyTorchJob \(job) is cancelled."
                }
                conditions.append(
                    KubeflowJobCondition(
                        type: type, reason: type == .suspended ? "PyTorchJobCancelled" : nil, message: message, at: change.at))
            }
        }
        self.conditions = conditions
    }

    package var enumValues: [(field: String, value: String)] {
        conditions.flatMap { [("type", $0.type.rawValue), ("status", $0.status)] }
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("metadata")
        writer.beginObject()
        writer.key("name")
        writer.string(name)
        writer.endObject()
        writer.key("status")
        writer.beginObject()
        writer.key("conditions")
        writer.beginArray()
        for condition in conditions { condition.write(to: &writer) }
        writer.endArray()
        writer.key("startTime")
        writer.plainString(startTime.wholeSecondsRFC3339)
        if let completionTime {
            writer.key("completionTime")
            writer.plainString(completionTime.wholeSecondsRFC3339)
        }
        writer.key("lastReconcileTime")
        writer.plainString(lastReconcileTime.wholeSecondsRFC3339)
        writer.endObject()
        writer.endObject()
    }
}

/// One `JobCondition`: `{"type", "status", "reason", "message", "lastUpdateTime", "lastTransitionTime"}`.
package struct KubeflowJobCondition: Sendable, Hashable, Encodable, JSONRenderable {
    package var type: KubeflowConditionType
    /// "True" or "False".
    package var status: String
    /// `PyTorchJob<Type>`, e.g. `PyTorchJobRunning`; `PyTorchJobCancelled` for a cancelled job.
    package var reason: String
    package var message: String
    package var lastUpdateTime: Timestamp
    package var lastTransitionTime: Timestamp

    init(type: KubeflowConditionType, reason: String? = nil, message: String, at time: Timestamp) {
        self.type = type
        status = "True"
        self.reason = reason ?? "PyTorchJob" + type.rawValue
        self.message = message
        lastUpdateTime = time
        lastTransitionTime = time
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("type")
        writer.plainString(type.rawValue)
        writer.key("status")
        writer.plainString(status)
        writer.key("reason")
        writer.plainString(reason)
        writer.key("message")
        writer.string(message)
        writer.key("lastUpdateTime")
        writer.plainString(lastUpdateTime.wholeSecondsRFC3339)
        writer.key("lastTransitionTime")
        writer.plainString(lastTransitionTime.wholeSecondsRFC3339)
        writer.endObject()
    }
}

/// Kubeflow's JobConditionType values our events produce (Restarting is not).
package enum KubeflowConditionType: String, Sendable, Hashable, CaseIterable, Codable {
    case created = "Created"
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case suspended = "Suspended"

    /// The type of the last condition in a phase (kubectl's State column), SPEC 2b's Kubeflow
    /// rules. Lossy: every phase before training is Created; a cancelled job is Suspended.
    package static func last(_ phase: Phase) -> KubeflowConditionType {
        #if JOBLEDGER_MUTATION
        return Mutation.arm("kubeflow.State", phase, mapped(phase))
        #else
        return mapped(phase)
        #endif
    }

    private static func mapped(_ phase: Phase) -> KubeflowConditionType {
        switch phase {
        case .initialized, .queued, .uploadingDataset, .processingData, .dataReady: .created
        case .trainingStarted, .training, .trained, .uploadingModel: .running
        case .completed: .succeeded
        case .failed: .failed
        case .cancelled: .suspended
        }
    }
}

extension Vocabulary {
    package static let kubeflow = Vocabulary(KubeflowPyTorchJob.self)
}
