/// The vendor vocabularies a job's state projects into (SPEC 2), by their CLI names.
public enum Vocabulary: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case sestek
    case nupic
    case llamaStack = "llama-stack"
    case novita
    case bluesight

    public var description: String { rawValue }

    /// The vocabulary named `name` (its CLI name), or `nil`.
    public init?(named name: String) { self.init(rawValue: name) }

    /// Writes this vocabulary's projection of `state` as one JSON value.
    public func write(_ state: JobState, to writer: inout JSONWriter) {
        switch self {
        case .sestek: SestekProgress(state).write(to: &writer)
        case .nupic: NuPICStatus(state).write(to: &writer)
        case .llamaStack: PostTrainingJobStatusResponse(state).write(to: &writer)
        case .novita: NovitaTask(state).write(to: &writer)
        case .bluesight: BluesightJob(state).write(to: &writer)
        }
    }
}

/// A projection that writes itself as compact JSON with its documented key order.
///
/// Each projection is also `Codable`, encoding the same keys with the same null-versus-omitted
/// rules; a test holds the two renderings equal.
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
}

/// One line of `jobledger replay`: `{"job": id, "sestek": {…}, "nupic": {…}, "llama-stack": {…},
/// "novita": {…}, "bluesight": {…}}`, or only the vocabularies asked for.
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

    static func write(_ state: JobState, vocabularies: [Vocabulary], to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("job")
        writer.plainString(state.job.rawValue)
        for vocabulary in vocabularies {
            writer.plainKey(vocabulary.rawValue)
            vocabulary.write(state, to: &writer)
        }
        writer.endObject()
    }
}
