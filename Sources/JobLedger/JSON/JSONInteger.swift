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

    /// The plain digits at `start` and their value; `end` is just after the last digit. The
    /// value is exact for up to 18 digits (which cannot overflow); callers check the count. The
    /// loop every integer read goes through.
    @inline(__always)
    static func digits(_ p: UnsafePointer<UInt8>, from start: Int, _ n: Int) -> (value: Int, end: Int) {
        var i = start
        var value = 0
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            value = value &* 10 &+ Int(d)
            i += 1
        }
        return (value, i)
    }

    /// Scans an optional `-` and digits from `start`; `end` is where the digits stop.
    @inline(__always)
    static func scan(_ p: UnsafePointer<UInt8>, from start: Int, _ n: Int) -> (scan: Scan, end: Int) {
        var i = start
        let negative = i < n && p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let digitsStart = i
        let (small, digitsEnd) = digits(p, from: i, n)
        var value = 0
        var overflow = false
        if digitsEnd - digitsStart <= 18 {
            value = -small
        } else {
            // Past 18 digits `small` wrapped: again, accumulating negatively (so Int.min fits)
            // with overflow checks.
            while i < digitsEnd {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (minus, o2) = times.subtractingReportingOverflow(Int(p[i] &- UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                value = minus
                i += 1
            }
        }
        i = digitsEnd
        let count = i - digitsStart
        if count == 0 { return (.noDigits, i) }
        if count > 1 && p[digitsStart] == UInt8(ascii: "0") { return (.leadingZero, i) }
        if i < n && (p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            return (.notInteger, i)
        }
        if overflow || (!negative && value == .min) { return (.outOfRange, i) }
        return (.integer(negative ? value : -value), i)
    }
}
