import JobLedgerStoreContract

/// The source of every random choice a generator makes.
///
/// Its own range mapping (not the standard library's `random(in:using:)`, whose algorithm may
/// change between toolchains) keeps a seed's case stable across Swift versions.
struct Gen {
    private var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { rng.next() }

    /// A uniform integer in `range` (multiply-shift; the bias is below 2^-32 for our ranges).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if width == 0 { return Int(truncatingIfNeeded: next()) }  // the whole of Int
        let high = next().multipliedFullWidth(by: width).high
        return range.lowerBound &+ Int(truncatingIfNeeded: high)
    }

    mutating func int(_ range: Range<Int>) -> Int { int(range.lowerBound...(range.upperBound - 1)) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func pick<T>(_ values: [T]) -> T { values[int(0..<values.count)] }

    /// One of `choices`, each as likely as its weight.
    mutating func weighted<T>(_ choices: [(Double, T)]) -> T {
        let total = choices.reduce(0) { $0 + $1.0 }
        var point = Double(next() >> 11) / Double(1 << 53) * total
        for (weight, value) in choices {
            if point < weight { return value }
            point -= weight
        }
        return choices[choices.count - 1].1
    }

    /// A double spread over many magnitudes, or an awkward one (tiny, huge, -0.0, subnormal).
    mutating func double() -> Double {
        switch int(0...5) {
        case 0: return pick([0.0, -0.0, 0.5, 1.0, -1.5, 0.1, 1e-7, 2.5e300, -3e-300, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude])
        case 1:
            while true {
                let value = Double(bitPattern: next())
                if value.isFinite { return value }
            }
        default: return Double(int(-1_000_000...1_000_000)) / Double(pick([1, 10, 100, 1000, 7]))
        }
    }
}
