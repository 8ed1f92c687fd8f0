/// A job's history as a readable table (`jobledger history`): seq, time, type, the phase after
/// each event, and the event's fields as `key=value` (the way `jobledger append` takes them).
package struct HistoryTable: Sendable {
    package struct Row: Sendable, Hashable {
        package var seq: Int
        package var at: String
        package var type: String
        /// The phase after the event, with inference and model import once they leave none.
        package var phase: String
        package var fields: String
    }

    package let rows: [Row]

    /// Folds `events` (one job's, in order) to know each phase.
    /// - Throws: the fold's error for a bad event.
    package init(_ events: [RecordedEvent]) throws(JobLedgerError) {
        var state: JobState?
        var rows: [Row] = []
        for event in events {
            if state == nil { state = try JobState(event) } else { try state!.apply(event) }
            var phase = state!.phase.rawValue
            if state!.inference != .none { phase += ", inference \(state!.inference)" }
            if state!.modelImport != .none { phase += ", import \(state!.modelImport)" }
            rows.append(
                Row(seq: event.seq, at: event.at.rfc3339, type: event.event.type.rawValue, phase: phase,
                    fields: Self.fields(of: event.event)))
        }
        self.rows = rows
    }

    /// `origin=api task=classification`: strings bare unless they need quoting, other values as JSON.
    static func fields(of event: Event) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        event.writeFields(to: &writer)
        writer.endObject()
        guard case .object(let object) = try? JSONValue(parsing: writer.string) else { return "" }
        return object.entries.map { entry in
            if case .string(let text) = entry.value, !text.isEmpty,
                text.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }),
                case .string = JSONValue(commandLineValue: text)
            {
                return "\(entry.key)=\(text)"
            }
            return "\(entry.key)=\(entry.value)"
        }.joined(separator: " ")
    }

    /// The table as aligned text lines, a header first.
    package var lines: [String] {
        let header = Row(seq: 0, at: "AT", type: "TYPE", phase: "PHASE", fields: "FIELDS")
        let all = [header] + rows
        let seqWidth = max(3, rows.map { String($0.seq).count }.max() ?? 0)
        let atWidth = all.map(\.at.count).max()!
        let typeWidth = all.map(\.type.count).max()!
        let phaseWidth = all.map(\.phase.count).max()!
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: width - text.count) }
        return all.enumerated().map { index, row in
            let seq = index == 0 ? "SEQ" : String(row.seq)
            let line = String(repeating: " ", count: seqWidth - seq.count) + seq + "  " + pad(row.at, atWidth) + "  "
                + pad(row.type, typeWidth) + "  " + pad(row.phase, phaseWidth) + "  " + row.fields
            return String(line.reversed().drop(while: { $0 == " " }).reversed())
        }
    }
}
