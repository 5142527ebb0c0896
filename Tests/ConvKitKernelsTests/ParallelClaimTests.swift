import Testing
@testable import ConvKitKernels

/// ``parallelClaim(items:workers:_:)``: every item runs exactly once, on a worker index below
/// `workers`, and one worker's items run one after another in increasing order.
@Suite struct ParallelClaimTests {
    final class Log {
        var items: [Int] = []
    }

    @Test(arguments: [(0, 2), (1, 3), (5, 1), (16, 2), (37, 3), (100, 2)])
    func everyItemRunsOnce(items: Int, workers: Int) {
        let logs = (0..<max(workers, 1)).map { _ in Log() }
        var outOfRange = false
        parallelClaim(items: items, workers: workers) { worker, item in
            if worker < 0 || worker >= logs.count { outOfRange = true; return }
            logs[worker].items.append(item)
        }
        #expect(!outOfRange)
        #expect(logs.flatMap(\.items).sorted() == Array(0..<items))
        for log in logs { #expect(log.items == log.items.sorted()) }
    }
}
