/// The one reader of JSON integer literals: the log's fast path (`seq`, `percent`), its general
/// reader (`seq`, `percent`, `epoch`), and ``JSONScanner``'s numbers all scan digits here, and
/// each only decides what a result means to it.
enum JSONInteger {
    /// What the bytes at a position hold.
    enum Scan: Equatable {
        /// An integer in the 64-bit range.
        case integer(Int)
        /// No digit where the integer should start.
        case noDigits
        /// `0` followed by more digits.
        case leadingZero
        /// Digits followed by `.`, `e` or `E`: a number, not an integer.
        case notInteger
        /// Digits past the 64-bit range.
        case outOfRange
    }

    /// Scans an optional `-` and digits from `start`; `end` is where the digits stop.
    @inline(__always)
    static func scan(_ p: UnsafePointer<UInt8>, from start: Int, _ n: Int) -> (scan: Scan, end: Int) {
        var i = start
        let negative = i < n && p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let digitsStart = i
        // Accumulated as a negative number, so Int.min fits; overflow is checked past 18 digits.
        var value = 0
        var overflow = false
        let fast = min(n, digitsStart + 18)  // 18 digits cannot overflow
        while i < fast {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            value = value &* 10 &- Int(d)
            i += 1
        }
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (minus, o2) = times.subtractingReportingOverflow(Int(d))
            overflow = overflow || o1 || o2
            value = minus
            i += 1
        }
        let digits = i - digitsStart
        if digits == 0 { return (.noDigits, i) }
        if digits > 1 && p[digitsStart] == UInt8(ascii: "0") { return (.leadingZero, i) }
        if i < n && (p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            return (.notInteger, i)
        }
        if overflow || (!negative && value == .min) { return (.outOfRange, i) }
        return (.integer(negative ? value : -value), i)
    }
}
