/// A torn write: the bytes after a log's last committed line, left by a write a crash cut short —
/// a last line without its `\n`, or the complete lines of an append whose last line never came
/// (docs/log-format.md, "Batches"). It was never acknowledged, so it is not part of the log
/// (SPEC 3).
public struct TornWrite: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// The line number the torn bytes would have had.
    public var line: Int
    public var byteCount: Int
    /// Whether the bytes were moved to `<file>.torn` (a store opening the log for writing moves
    /// them; reading never changes a file).
    public var moved: Bool

    public init(file: String, line: Int, byteCount: Int, moved: Bool) {
        self.file = file
        self.line = line
        self.byteCount = byteCount
        self.moved = moved
    }

    /// `logs/j-1.jsonl:7: torn write (12 bytes, never acknowledged) moved to logs/j-1.jsonl.torn`.
    public var description: String {
        let shown = JobLedgerError.visible(file)
        return "\(shown):\(line): torn write (\(byteCount) bytes, never acknowledged) "
            + (moved ? "moved to \(JobLedgerError.visible(file + ".torn"))" : "ignored")
    }
}
