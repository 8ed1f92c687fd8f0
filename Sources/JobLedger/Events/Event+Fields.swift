extension JSONValue {
    /// A value given on a command line as `key=value` (SPEC 4, `append`): text that parses as JSON
    /// is that JSON (`40`, `{"epochs":3}`, `"quoted"`), anything else is the text as a string (`api`).
    public init(commandLineValue text: String) {
        if let value = try? JSONValue(parsing: text) { self = value } else { self = .string(text) }
    }
}

extension PendingEvent {
    /// An event of the type named `type` with `fields`, read by the same rules as a log line
    /// (SPEC 1's events table): the field names, their types and ranges.
    ///
    /// `fields` may hold `at` (RFC 3339); without it the event happens `defaultAt`. `seq`, `job`
    /// and `type` are not fields: the ledger assigns `seq`, the caller names the job and type.
    /// - Throws: `invalid_event` naming the type or field that is wrong.
    public init(type: String, fields: JSONObject, defaultAt: Timestamp = .now()) throws(JobLedgerError) {
        for reserved in ["seq", "job", "type"] where fields[reserved] != nil {
            throw JobLedgerError(.invalidEvent, "\(reserved) is not an event field (the ledger assigns seq; job and type are given apart)")
        }
        var line = JSONObject()
        line["seq"] = 1
        line["at"] = .string(defaultAt.rfc3339)
        line["job"] = "placeholder"
        line["type"] = .string(type)
        for entry in fields { line[entry.key] = entry.value }
        let recorded: RecordedEvent
        do {
            recorded = try RecordedEvent(jsonLine: JSONValue.object(line).description)
        } catch {
            // The line was made here: its placeholder job and its columns mean nothing to the caller.
            var message = error.message
            if let range = message.ranges(of: " at column ").last,
                message[range.upperBound...].allSatisfy(\.isNumber)
            {
                message = String(message[..<range.lowerBound])
            }
            throw JobLedgerError(error.code, message)
        }
        self.init(recorded.event, at: recorded.at)
    }
}
