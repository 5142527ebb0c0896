import ConvKitKernelsC

/// Runs `body(chunk)` for chunk in 0..<chunks on up to `threads` threads (a persistent pool
/// whose workers spin briefly between regions: see `ck_parallel_for`).
/// Work is split into a fixed number of chunks chosen by the caller, so results that are
/// combined per chunk in chunk order are identical for the same chunk count, whatever the
/// scheduling. With `threads <= 1` or one chunk, runs inline; a region started while another
/// runs (nested, or from another thread) also runs inline.
public func parallelFor(chunks: Int, threads: Int, _ body: (Int) -> Void) {
    if chunks <= 0 { return }
    if threads <= 1 || chunks == 1 {
        for chunk in 0..<chunks { body(chunk) }
        return
    }
    withoutActuallyEscaping(body) { body in
        // Callers write only disjoint memory per chunk; the closure does not outlive this call.
        var run = body
        withUnsafeMutablePointer(to: &run) { pointer in
            ck_parallel_for(chunks, threads, { context, chunk in
                context.unsafelyUnwrapped.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
            }, pointer)
        }
    }
}

/// The half-open range of items `chunk` covers when `count` items are split into `chunks`
/// nearly equal contiguous pieces.
public func chunkRange(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
    let base = count / chunks, extra = count % chunks
    let start = chunk * base + min(chunk, extra)
    return start..<(start + base + (chunk < extra ? 1 : 0))
}

/// Runs `body(i)` for every `i` in `0..<iterations`, each on its own Dispatch work item (all
/// cores). Each iteration must write memory no other iteration writes.
public func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    parallelFor(chunks: iterations, threads: iterations, body)
}

/// Runs `body(worker, item)` for every item in `0..<items` on `workers` workers (parallel, on up
/// to that many threads), each worker claiming the next unclaimed item in increasing order until
/// none is left, so that a worker slowed down by another process takes fewer items. `worker` is
/// the worker's index (0..<workers): items claimed by one worker run one after another, on one
/// thread. Which worker runs which item varies from run to run; callers must make each item's
/// result independent of the worker.
public func parallelClaim(items: Int, workers: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
    guard items > 0 else { return }
    let workers = max(1, min(workers, items))
    var next = 0
    withUnsafeMutablePointer(to: &next) { counter in
        parallelFor(chunks: workers, threads: workers) { worker in
            while true {
                let item = ck_claim_next(counter)
                if item >= items { break }
                body(worker, item)
            }
        }
    }
}
