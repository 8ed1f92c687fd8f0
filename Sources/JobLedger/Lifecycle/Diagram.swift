/// State diagrams drawn from the ``TransitionTable``: the lifecycle, and the inference and model
/// import sub-machines of a completed job. `jobledger diagram` prints them; docs/lifecycle.md holds
/// them, and a test fails when the two differ.
package enum Diagram {
    package enum Format: String, Sendable, CaseIterable {
        case mermaid, dot
    }

    /// One drawn edge: an event from a state to a state.
    package struct Edge: Sendable, Hashable {
        package var from: String
        package var to: String
        package var label: String
    }

    /// Short ASCII labels for the conditions (diagram tools dislike `≥`).
    static func label(_ rule: TransitionRule) -> String {
        var parts: [String] = []
        let conditions = rule.conditions
        if conditions.contains(.neverQueued) { parts.append("once") }
        if conditions.contains(.noDataStageYet) { parts.append("first data stage") }
        if conditions.contains(.processingNeverStarted) { parts.append("once") }
        if conditions.contains(.percentNotDecreasing) { parts.append("percent >= last") }
        if conditions.contains(.epochNotDecreasing) { parts.append("epoch >= last") }
        return parts.isEmpty ? rule.event.rawValue : "\(rule.event.rawValue) [\(parts.joined(separator: ", "))]"
    }

    /// The lifecycle edges, event by event in table order, each from every phase it is legal in.
    package static var lifecycleEdges: [Edge] {
        var edges: [Edge] = []
        for rule in TransitionTable.rules {
            if rule.startsJob, case .phase(let target) = rule.effect {
                edges.append(Edge(from: "[*]", to: target.rawValue, label: label(rule)))
                continue
            }
            for phase in rule.from.phases {
                switch rule.effect {
                case .phase(let target): edges.append(Edge(from: phase.rawValue, to: target.rawValue, label: label(rule)))
                case .unchanged: edges.append(Edge(from: phase.rawValue, to: phase.rawValue, label: label(rule)))
                case .inference, .modelImport: break
                }
            }
        }
        return edges
    }

    /// The edges of a sub-machine (inference or model import), from the rows that move it.
    package static func subMachineEdges(_ machine: SubMachine) -> [Edge] {
        var edges: [Edge] = []
        for rule in TransitionTable.rules {
            switch (machine, rule.effect) {
            case (.inference, .inference(let target)):
                if let from = rule.inference { edges.append(Edge(from: from.rawValue, to: target.rawValue, label: label(rule))) }
            case (.modelImport, .modelImport(let target)):
                for from in rule.modelImport.statuses {
                    edges.append(Edge(from: from.rawValue, to: target.rawValue, label: label(rule)))
                }
            default: break
            }
        }
        return edges
    }

    package enum SubMachine: String, Sendable, CaseIterable {
        case inference
        case modelImport

        var initial: String { "none" }
        var title: String {
            switch self {
            case .inference: "inference (phase completed)"
            case .modelImport: "model import (phase completed)"
            }
        }
    }

    /// The whole drawing in `format`.
    package static func render(_ format: Format) -> String {
        switch format {
        case .mermaid: mermaid()
        case .dot: dot()
        }
    }

    static func mermaid() -> String {
        var lines = ["stateDiagram-v2"]
        for edge in lifecycleEdges { lines.append("    \(edge.from) --> \(edge.to): \(edge.label)") }
        for phase in PhaseSet.terminal.phases { lines.append("    \(phase.rawValue) --> [*]") }
        for machine in SubMachine.allCases {
            let prefix = machine == .inference ? "inference_" : "import_"
            lines.append("    state \"\(machine.title)\" as \(machine.rawValue) {")
            lines.append("        [*] --> \(prefix)\(machine.initial)")
            var states: [String] = []
            for edge in subMachineEdges(machine) {
                for state in [edge.from, edge.to] where !states.contains(state) { states.append(state) }
                lines.append("        \(prefix)\(edge.from) --> \(prefix)\(edge.to): \(edge.label)")
            }
            for state in states { lines.append("        state \"\(state)\" as \(prefix)\(state)") }
            lines.append("    }")
            lines.append("    completed --> \(machine.rawValue)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func dot() -> String {
        func quoted(_ s: String) -> String { "\"" + s + "\"" }
        var lines = [
            "digraph lifecycle {",
            "    rankdir=LR;",
            "    node [shape=box, style=rounded];",
            "    start [shape=point];",
        ]
        for phase in Phase.allCases {
            lines.append("    \(phase.rawValue)\(phase.isTerminal ? " [peripheries=2]" : "");")
        }
        for edge in lifecycleEdges {
            let from = edge.from == "[*]" ? "start" : edge.from
            lines.append("    \(from) -> \(edge.to) [label=\(quoted(edge.label))];")
        }
        for machine in SubMachine.allCases {
            let prefix = machine == .inference ? "inference_" : "import_"
            lines.append("    subgraph cluster_\(machine.rawValue) {")
            lines.append("        label=\(quoted(machine.title));")
            lines.append("        \(prefix)start [shape=point];")
            lines.append("        \(prefix)start -> \(prefix)\(machine.initial);")
            var states: [String] = []
            for edge in subMachineEdges(machine) {
                for state in [edge.from, edge.to] where !states.contains(state) { states.append(state) }
            }
            for state in states { lines.append("        \(prefix)\(state) [label=\(quoted(state))];") }
            for edge in subMachineEdges(machine) {
                lines.append("        \(prefix)\(edge.from) -> \(prefix)\(edge.to) [label=\(quoted(edge.label))];")
            }
            lines.append("    }")
            lines.append("    completed -> \(prefix)start [style=dashed, arrowhead=none];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
