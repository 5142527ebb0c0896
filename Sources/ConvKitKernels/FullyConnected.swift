// A fully connected layer over a batch of feature vectors, by threaded SGEMM:
//   forward  Y (N × O) = X (N × I) · Wᵀ + b      (W: O × I, PyTorch's layout)
//   backward dW += dYᵀ · X;  db += Σ_N dY;  dX = dY · W
// Threads split the columns of each product (``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:threads:)``),
// which does not change any result.

/// Forward pass: y (N, O) = x (N, I) · weightᵀ + bias, with weight (O, I) and bias (O) or nil.
/// With a bias, y's rows are first set to the bias and the product is added (β = 1); without,
/// y is overwritten (β = 0). No buffer may alias another.
public func fullyConnectedForward(_ x: [Float], weight: [Float], bias: [Float]?, batch n: Int, inputs: Int, outputs: Int,
                                  y: inout [Float], threads: Int) {
    precondition(x.count >= n * inputs && weight.count >= outputs * inputs && y.count >= n * outputs
                 && (bias.map { $0.count >= outputs } ?? true), "fullyConnectedForward: buffer sizes")
    x.withUnsafeBufferPointer { xs in
        weight.withUnsafeBufferPointer { ws in
            y.withUnsafeMutableBufferPointer { ys in
                if let bias {
                    for row in 0..<n { for j in 0..<outputs { ys[row * outputs + j] = bias[j] } }
                }
                sgemm(transposeA: false, transposeB: true, m: n, n: outputs, k: inputs, a: xs.baseAddress!, lda: inputs,
                      b: ws.baseAddress!, ldb: inputs, beta: bias == nil ? 0 : 1, c: ys.baseAddress!, ldc: outputs,
                      threads: threads)
            }
        }
    }
}

/// Parameter gradients: weightGradient (O, I) += dyᵀ · x, then biasGradient (O) += Σ over the
/// batch of dy, rows in order (skipped when `biasGradient` is empty: a layer without bias).
/// dy: (N, O); x: the forward input (N, I). No buffer may alias another.
public func fullyConnectedParameterGradients(_ dy: [Float], input x: [Float], batch n: Int, inputs: Int, outputs: Int,
                                             weightGradient: inout [Float], biasGradient: inout [Float], threads: Int) {
    precondition(dy.count >= n * outputs && x.count >= n * inputs && weightGradient.count >= outputs * inputs
                 && (biasGradient.isEmpty || biasGradient.count >= outputs), "fullyConnectedParameterGradients: buffer sizes")
    dy.withUnsafeBufferPointer { d in
        x.withUnsafeBufferPointer { xs in
            weightGradient.withUnsafeMutableBufferPointer { dw in
                sgemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: n, a: d.baseAddress!, lda: outputs,
                      b: xs.baseAddress!, ldb: inputs, beta: 1, c: dw.baseAddress!, ldc: inputs, threads: threads)
            }
        }
        if !biasGradient.isEmpty {
            biasGradient.withUnsafeMutableBufferPointer { db in
                for row in 0..<n { for j in 0..<outputs { db[j] += d[row * outputs + j] } }
            }
        }
    }
}

/// Input gradient: dx (N, I) = dy (N, O) · weight (O, I), overwritten. No buffer may alias another.
public func fullyConnectedInputGradient(_ dy: [Float], weight: [Float], batch n: Int, inputs: Int, outputs: Int,
                                        dx: inout [Float], threads: Int) {
    precondition(dy.count >= n * outputs && weight.count >= outputs * inputs && dx.count >= n * inputs,
                 "fullyConnectedInputGradient: buffer sizes")
    dy.withUnsafeBufferPointer { d in
        weight.withUnsafeBufferPointer { ws in
            dx.withUnsafeMutableBufferPointer { dxs in
                sgemm(transposeA: false, transposeB: false, m: n, n: inputs, k: outputs, a: d.baseAddress!, lda: outputs,
                      b: ws.baseAddress!, ldb: inputs, beta: 0, c: dxs.baseAddress!, ldc: inputs, threads: threads)
            }
        }
    }
}
