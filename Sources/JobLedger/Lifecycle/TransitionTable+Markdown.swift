extension TransitionTable {
    /// The table as Markdown rows, `| event | legal | then |`: docs/model.md holds exactly
    /// these, and a test fails when they differ.
    package static var markdown: String {
        var lines = ["| event | legal | then |", "| --- | --- | --- |"]
        for rule in rules {
            let then: String
            switch rule.effect {
            case .phase(let phase): then = "phase \(phase)"
            case .unchanged: then = "phase unchanged"
            case .inference(let status): then = "inference \(status)"
            case .modelImport(let status): then = "model import \(status)"
            }
            let legal = rule.startsJob ? "the job has no events" : String(rule.legality.dropFirst("legal ".count))
            lines.append("| `\(rule.event)` | \(legal) | \(then) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
