import JobLedger

/// How often each row of the transition table was exercised: taken legally (the event accepted)
/// and tried illegally (refused as an illegal transition), and from which phases it was taken.
///
/// The rows are the library's `TransitionTable.rules`; the verdicts are the reference model's
/// (the model-based test has already checked that the library agreed with each one).
struct Coverage {
    struct Row {
        var legal = 0
        var illegal = 0
        var invalid = 0
        var phasesTaken: Set<String> = []
    }

    private(set) var rows: [EventType: Row] = [:]

    mutating func record(_ trail: [(type: EventType, phase: ModelJob.Phase?, rejection: String?)]) {
        for (type, phase, rejection) in trail {
            let phaseName = phase?.rawValue ?? "(no events)"
            switch rejection {
            case nil:
                rows[type, default: Row()].legal += 1
                rows[type, default: Row()].phasesTaken.insert(phaseName)
            case "illegal_transition":
                rows[type, default: Row()].illegal += 1
            default:
                rows[type, default: Row()].invalid += 1
            }
        }
    }

    /// Rows never taken legally or never tried illegally.
    var unexercised: [String] {
        TransitionTable.rules.compactMap { rule in
            let row = rows[rule.event] ?? Row()
            var missing: [String] = []
            if row.legal == 0 { missing.append("never taken legally") }
            if row.illegal == 0 { missing.append("never tried illegally") }
            return missing.isEmpty ? nil : "\(rule.event): " + missing.joined(separator: ", ")
        }
    }

    /// Phases a row is legal from (per SPEC) that no case took it from.
    var untakenPhases: [String] {
        TransitionTable.rules.compactMap { rule in
            let missing = rule.from.phases.map(\.rawValue).filter { !(rows[rule.event]?.phasesTaken.contains($0) ?? false) }
            return missing.isEmpty ? nil : "\(rule.event) from \(missing.joined(separator: ", "))"
        }
    }

    /// The report printed with `JOBLEDGER_PROPERTY_COVERAGE=1`.
    var table: String {
        var lines = [
            "| row (event) | taken legally | tried illegally | bad fields or time | legal from: taken / table |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for rule in TransitionTable.rules {
            let row = rows[rule.event] ?? Row()
            let table = rule.startsJob ? 1 : rule.from.phases.count
            let taken = rule.startsJob ? (row.legal > 0 ? 1 : 0) : rule.from.phases.filter { row.phasesTaken.contains($0.rawValue) }.count
            lines.append("| `\(rule.event)` | \(row.legal) | \(row.illegal) | \(row.invalid) | \(taken) / \(table) |")
        }
        return lines.joined(separator: "\n")
    }
}
