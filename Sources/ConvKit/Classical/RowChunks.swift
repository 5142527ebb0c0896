
/// Splits `count` rows into contiguous chunks of at least `minimumRows` rows (at most
/// `maximumChunks` of them). The split depends on `count` only, never on the number of cores, so
/// per-chunk partial sums merged in chunk order give bit-identical results on every machine.
func rowChunks(count: Int, minimumRows: Int = 256, maximumChunks: Int = 32) -> [Range<Int>] {
    guard count > 0 else { return [] }
    let chunks = max(1, min(maximumChunks, count / max(minimumRows, 1)))
    let base = count / chunks, extra = count % chunks
    var ranges: [Range<Int>] = []
    var start = 0
    for c in 0..<chunks {
        let size = base + (c < extra ? 1 : 0)
        ranges.append(start ..< start + size)
        start += size
    }
    return ranges
}
