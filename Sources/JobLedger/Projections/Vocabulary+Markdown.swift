/// The docs' vocabulary tables, generated from the registry: docs/vocabularies.md holds exactly
/// these, and a test fails when they differ (as docs/model.md holds the transition table).
extension Vocabulary {
    /// `| phase | sestek | nupic | … |`: what every registered vocabulary says in each phase.
    package static var phaseTableMarkdown: String {
        var lines = [
            "| phase | " + allCases.map { "`\($0)`" }.joined(separator: " | ") + " |",
            "| --- |" + String(repeating: " --- |", count: allCases.count),
        ]
        for phase in Phase.allCases {
            let cells = allCases.map { $0.phaseValues(phase).joined(separator: " / ") }
            lines.append("| \(phase) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// This vocabulary's own mapping table, phases with the same values on one row, rows in the
    /// order of their first phase: `| phase | status |` then `| processingData, dataReady | … |`.
    package var mappingMarkdown: String {
        var rows: [(phases: [Phase], values: [String])] = []
        for phase in Phase.allCases {
            let values = phaseValues(phase)
            if let index = rows.firstIndex(where: { $0.values == values }) {
                rows[index].phases.append(phase)
            } else {
                rows.append(([phase], values))
            }
        }
        var lines = [
            "| phase | " + phaseFields.joined(separator: " | ") + " |",
            "| --- |" + String(repeating: " --- |", count: phaseFields.count),
        ]
        for row in rows {
            lines.append(
                "| " + row.phases.map(\.rawValue).joined(separator: ", ") + " | " + row.values.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `| vocabulary | field | produced | not produced (lossy) |` for every registered vocabulary.
    package static var documentedValuesMarkdown: String {
        var lines = [
            "| vocabulary | field | produced | not produced (lossy) |",
            "| --- | --- | --- | --- |",
        ]
        for vocabulary in allCases {
            for values in vocabulary.documentedValues {
                let notProduced = values.notProduced.isEmpty ? "—" : values.notProduced.joined(separator: ", ")
                lines.append(
                    "| `\(vocabulary)` | `\(values.field)` | \(values.produced.joined(separator: ", ")) | \(notProduced) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
