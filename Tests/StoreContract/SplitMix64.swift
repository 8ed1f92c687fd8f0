// Shared by the root tests and the property tests (product JobLedgerStoreContract).

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, seedable generator whose sequence is the
/// same on every platform and toolchain, so a seed printed by a failure replays the same case.
public struct SplitMix64: RandomNumberGenerator {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One well-mixed value of `seed`, for deriving case seeds from a base seed.
    public static func mix(_ seed: UInt64) -> UInt64 {
        var generator = SplitMix64(seed: seed)
        return generator.next()
    }
}
