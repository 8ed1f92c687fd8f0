/// The time formats of the vendor vocabularies beyond RFC 3339 with the shortest fraction.
extension Timestamp {
    /// Unix seconds as exact JSON number text, fractions kept (`1795341600.25`, `-0.5`): AWS's JSON
    /// protocol sends timestamps as epoch seconds with a fraction (SageMaker).
    var epochSecondsText: String {
        guard nanoseconds > 0 else { return String(seconds) }
        // seconds is rounded down, so a negative time with a fraction is -(|seconds| - 1) - (1 - fraction).
        let whole = seconds >= 0 ? String(seconds) : "-" + String(-(seconds + 1))
        let nanos = seconds >= 0 ? Int(nanoseconds) : 1_000_000_000 - Int(nanoseconds)
        var fraction = String(nanos)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return whole + "." + fraction
    }

    /// Unix milliseconds, rounded down (MLflow's int64 times).
    var unixMilliseconds: Int64 { seconds * 1000 + Int64(nanoseconds / 1_000_000) }

    /// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as ProtoJSON writes a
    /// `google.protobuf.Timestamp` (Vertex AI).
    var protoJSON: String {
        var text = rfc3339
        guard let dot = text.firstIndex(of: ".") else { return text }
        let digits = text.distance(from: dot, to: text.index(before: text.endIndex)) - 1
        let padded = (digits + 2) / 3 * 3
        text.insert(contentsOf: String(repeating: "0", count: padded - digits), at: text.index(before: text.endIndex))
        return text
    }

    /// RFC 3339 in UTC in whole seconds (rounded down), as Kubernetes writes a `metav1.Time`.
    var wholeSecondsRFC3339: String { Timestamp(seconds: seconds).rfc3339 }
}
