/// A vendor vocabulary: one type that projects a job's folded state into one platform's status
/// response (SPEC 2, 2b) and writes itself as JSON.
///
/// A vocabulary lives in its own file and is listed once in ``Vocabulary/allCases``
/// (Registry.swift); the CLI's `--vocabulary` names and help, the docs' mapping tables, the
/// golden files and the "every documented value is reached" test all come from that list.
package protocol VocabularyProjection: JSONRenderable, Sendable {
    /// The CLI name (`--vocabulary NAME`) and the key in a replay line.
    static var name: String { get }
    /// Whose response this is, for help and docs: "AWS SageMaker DescribeTrainingJob".
    static var title: String { get }
    /// The enum-valued fields a phase decides, as the columns of the mapping table.
    static var phaseFields: [String] { get }
    /// The values of ``phaseFields`` for a phase (one per field).
    static func phaseValues(_ phase: Phase) -> [String]
    /// Every enum-valued field with the documented values some legal log produces, and the
    /// documented values no legal log produces (lossy; listed in docs/vocabularies.md).
    static var documentedValues: [DocumentedValues] { get }

    /// The projection of `state`.
    init(_ state: JobState)
    /// The enum-valued fields of this projection as it stands (a field may appear more than once,
    /// e.g. one per Kubeflow condition): what the reachability test collects.
    var enumValues: [(field: String, value: String)] { get }
}

/// The documented values of one enum-valued field of a vocabulary.
package struct DocumentedValues: Sendable, Hashable {
    package var field: String
    /// Reached by some legal log (or, for Novita's UNKNOWN, by an unreadable log).
    package var produced: [String]
    /// Documented by the platform but never produced from our events (lossy).
    package var notProduced: [String]

    package init(_ field: String, produced: [String], notProduced: [String] = []) {
        self.field = field
        self.produced = produced
        self.notProduced = notProduced
    }
}

/// A vocabulary as a value: its name and what its type can do, without existential metatypes.
///
/// `Vocabulary.allCases` is the registry; `Vocabulary.sestek` … name its members.
public struct Vocabulary: Sendable, Hashable, CustomStringConvertible {
    /// What the vocabulary's type can do, behind one reference, as closures made where the
    /// projection type is known, so specialized for it.
    private final class Entry: Sendable {
        let name: String
        let title: String
        let phaseFields: [String]
        let documentedValues: [DocumentedValues]
        let phaseValues: @Sendable (Phase) -> [String]
        let enumValues: @Sendable (JobState) -> [(field: String, value: String)]
        let write: @Sendable (JobState, inout JSONWriter) -> Void
        /// `write` after the name as a key (prepared once): a replay line's member.
        let writeMember: @Sendable (JobState, inout JSONWriter) -> Void

        init<Projection: VocabularyProjection>(_: Projection.Type) {
            name = Projection.name
            title = Projection.title
            phaseFields = Projection.phaseFields
            documentedValues = Projection.documentedValues
            phaseValues = { Projection.phaseValues($0) }
            enumValues = { Projection($0).enumValues }
            write = { state, writer in Projection(state).write(to: &writer) }
            let key = JSONWriter.Key(Projection.name)
            writeMember = { state, writer in
                writer.key(key)
                Projection(state).write(to: &writer)
            }
        }
    }

    /// Not reference-counted: an entry is made once per registered vocabulary (a `static let`)
    /// and kept for the life of the process. So copying a vocabulary, or calling through it,
    /// touches no reference count. Replay threads do both for every job and vocabulary they
    /// render, on the same few objects, and each retain and release of an object another core
    /// also counts moves its cache line between the cores.
    private let entry: Unmanaged<Entry>

    /// The CLI name, e.g. `llama-stack`.
    public var rawValue: String { entry._withUnsafeGuaranteedRef { $0.name } }
    public var title: String { entry._withUnsafeGuaranteedRef { $0.title } }
    public var phaseFields: [String] { entry._withUnsafeGuaranteedRef { $0.phaseFields } }
    package var documentedValues: [DocumentedValues] { entry._withUnsafeGuaranteedRef { $0.documentedValues } }

    /// The vocabulary of `projection`. Only for a registered vocabulary's `static let`: its
    /// entry is never let go.
    package init<Projection: VocabularyProjection>(_ projection: Projection.Type) {
        entry = Unmanaged.passRetained(Entry(projection))
    }

    public var description: String { rawValue }

    /// The registered vocabulary named `name` (its CLI name), or `nil`.
    public init?(named name: String) {
        guard let found = Self.allCases.first(where: { $0.rawValue == name }) else { return nil }
        self = found
    }

    /// The registered vocabulary whose CLI name is `rawValue` (as when `Vocabulary` was an enum).
    public init?(rawValue: String) { self.init(named: rawValue) }

    /// Writes this vocabulary's projection of `state` as one JSON value.
    public func write(_ state: JobState, to writer: inout JSONWriter) { entry._withUnsafeGuaranteedRef { $0.write(state, &writer) } }

    /// Writes this vocabulary's member of a replay line: the name as a key, then the projection.
    package func writeMember(_ state: JobState, to writer: inout JSONWriter) { entry._withUnsafeGuaranteedRef { $0.writeMember(state, &writer) } }

    /// The values of ``phaseFields`` that `phase` maps to.
    public func phaseValues(_ phase: Phase) -> [String] { entry._withUnsafeGuaranteedRef { $0.phaseValues(phase) } }

    /// The enum-valued fields of the projection of `state`.
    public func enumValues(of state: JobState) -> [(field: String, value: String)] { entry._withUnsafeGuaranteedRef { $0.enumValues(state) } }

    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool { lhs.entry.toOpaque() == rhs.entry.toOpaque() || lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

extension Vocabulary: Codable {
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let vocabulary = Vocabulary(named: name) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "unknown vocabulary \(name)"))
        }
        self = vocabulary
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A value that writes itself as compact JSON with its documented key order.
///
/// Its keys are written once, in ``write(to:)``; a type that also declares `Encodable` gets an
/// `encode(to:)` that encodes exactly what `write(to:)` writes (null versus omitted included).
public protocol JSONRenderable {
    func write(to writer: inout JSONWriter)
}

extension JSONRenderable {
    /// The compact JSON text of this value.
    public var json: String {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.string
    }

    /// This value as a JSON tree, read back from what ``write(to:)`` writes.
    public var jsonValue: JSONValue {
        // The writer only writes valid JSON, so reading it back cannot fail.
        try! JSONValue(parsing: json)
    }
}

extension Encodable where Self: JSONRenderable {
    /// Encodes what ``JSONRenderable/write(to:)`` writes: the keys are written in one place.
    public func encode(to encoder: any Encoder) throws {
        try jsonValue.encode(to: encoder)
    }
}

/// One line of `jobledger replay`: `{"job": id}` followed by each registered vocabulary under its
/// name, or only the vocabularies asked for.
public struct ProjectionLine: Sendable, JSONRenderable {
    public var state: JobState
    public var vocabularies: [Vocabulary]

    public init(_ state: JobState, vocabularies: [Vocabulary] = Vocabulary.allCases) {
        self.state = state
        self.vocabularies = vocabularies
    }

    public func write(to writer: inout JSONWriter) {
        Self.write(state, vocabularies: vocabularies, to: &writer)
    }

    /// Appends to `bytes` what ``write(to:)`` writes for `ProjectionLine(state, vocabularies:
    /// vocabularies)` and a `\n`: how a replay renders every job's line into one buffer, with
    /// the writer's setup and its last flush in this module, inlined with the line's writes.
    package static func appendLine(_ state: JobState, vocabularies: [Vocabulary], to bytes: inout [UInt8]) {
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        var writer = JSONWriter(continuing: consume taken)
        write(state, vocabularies: vocabularies, to: &writer)
        writer.text(byte: UInt8(ascii: "\n"))
        bytes = writer.finish()
    }

    /// What ``write(to:)`` writes for `ProjectionLine(state, vocabularies: vocabularies)`,
    /// without making one (a replay writes a line per job).
    package static func write(_ state: JobState, vocabularies: [Vocabulary], to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("job")
        writer.jobID(state.job)
        for vocabulary in vocabularies { vocabulary.writeMember(state, to: &writer) }
        writer.endObject()
    }
}
