import Foundation

/// Softmax cross-entropy over logits `[N, K]`, averaged over the batch (PyTorch's
/// `CrossEntropyLoss()`): L = (1/N)·Σ_n [log Σ_k e^{z_nk} − z_{n,y_n}], computed with the
/// log-sum-exp shift by max_k z_nk so that it never overflows.
public enum SoftmaxCrossEntropy {
    /// The loss, ∂L/∂logits = (softmax(z) − onehot(y))/N, and the number of correct argmax predictions.
    public static func evaluate(logits: Tensor, labels: [Int]) throws -> (loss: Double, gradient: Tensor, correct: Int) {
        guard logits.shape.count == 2, logits.shape[0] == labels.count else {
            throw ConvKitError.shapeMismatch(layer: "loss", expected: "logits N×K with N = \(labels.count) labels",
                                             found: logits.shape.map(String.init).joined(separator: "×"))
        }
        let (n, k) = (logits.shape[0], logits.shape[1])
        if let bad = labels.first(where: { $0 < 0 || $0 >= k }) {
            throw ConvKitError.invalidArgument(name: "label", reason: "\(bad) is not a class index below \(k)")
        }
        var gradient = Tensor(shape: logits.shape)
        var total = 0.0
        var correct = 0
        for row in 0..<n {
            let base = row * k
            var maximum = -Float.infinity
            var best = 0
            for j in 0..<k where logits.storage[base + j] > maximum {
                maximum = logits.storage[base + j]
                best = j
            }
            if best == labels[row] { correct += 1 }
            var sum = 0.0
            for j in 0..<k { sum += Foundation.exp(Double(logits.storage[base + j] - maximum)) }
            let logSum = Foundation.log(sum) + Double(maximum)
            total += logSum - Double(logits.storage[base + labels[row]])
            for j in 0..<k {
                let p = Foundation.exp(Double(logits.storage[base + j]) - logSum)
                gradient.storage[base + j] = Float((p - (j == labels[row] ? 1 : 0)) / Double(n))
            }
        }
        return (total / Double(n), gradient, correct)
    }
}
