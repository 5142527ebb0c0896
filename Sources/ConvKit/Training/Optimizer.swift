import ConvKitKernels

/// Updates parameters from their gradients; state is kept per parameter name.
public protocol Optimizer: AnyObject {
    /// Learning rate used by the next ``step(_:)``.
    var learningRate: Double { get set }
    /// One update of every trainable parameter from its accumulated gradient.
    func step(_ parameters: [Parameter])
    /// Optimizer state (momentum buffers, Adam moments, step counts) for checkpoints.
    var state: [String: [Float]] { get set }
}

/// SGD with momentum in PyTorch's velocity form: g ← ∇ + λ·θ; v ← μ·v + g; θ ← θ − η·v
/// (Nesterov: θ ← θ − η·(g + μ·v)). This equals the heavy-ball form
/// θ_{k+1} = θ_k − η·g_k + μ·(θ_k − θ_{k−1}) for a constant η.
public final class SGD: Optimizer {
    public var learningRate: Double
    public let momentum: Double
    public let nesterov: Bool
    public let weightDecay: Double
    public var state: [String: [Float]] = [:]

    public init(learningRate: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        let (lr, mu, wd) = (Float(learningRate), Float(momentum), Float(weightDecay))
        for p in parameters where p.isTrainable {
            let count = p.value.count
            // A missing (or wrongly sized) velocity starts from zero.
            if mu != 0 && state[p.name]?.count != count { state[p.name] = [Float](repeating: 0, count: count) }
            // The velocity is updated in place inside the dictionary (no copy per step).
            func update(_ velocity: inout [Float]) {
                sgdUpdate(&p.value.storage, gradient: p.gradient.storage, velocity: &velocity, mask: p.mask,
                          learningRate: lr, momentum: mu, weightDecay: wd, nesterov: nesterov)
            }
            if mu != 0 {
                update(&state[p.name, default: []])
            } else {
                var none: [Float] = []
                update(&none)
            }
        }
    }
}

import Foundation

/// Adam (Kingma & Ba 2015) as in PyTorch: g ← ∇ + λ·θ; m ← β1·m + (1−β1)·g;
/// v ← β2·v + (1−β2)·g²; θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ).
public final class Adam: Optimizer {
    public var learningRate: Double
    public let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    public var state: [String: [Float]] = [:]

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        for p in parameters where p.isTrainable {
            let count = p.value.count
            var m = state[p.name + ".exp_avg"] ?? [Float](repeating: 0, count: count)
            var v = state[p.name + ".exp_avg_sq"] ?? [Float](repeating: 0, count: count)
            let t = Double((state[p.name + ".step"]?.first ?? 0) + 1)
            let correction1 = 1 - Foundation.pow(beta1, t), correction2 = 1 - Foundation.pow(beta2, t)
            let stepSize = Float(learningRate / correction1)
            let (b1, b2, eps, wd) = (Float(beta1), Float(beta2), Float(epsilon), Float(weightDecay))
            let rootCorrection2 = Float(correction2.squareRoot())
            for i in 0..<count {
                let g = p.gradient.storage[i] + wd * p.value.storage[i]
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                p.value.storage[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
            }
            if let mask = p.mask { for i in 0..<count { p.value.storage[i] *= mask[i] } }
            state[p.name + ".exp_avg"] = m
            state[p.name + ".exp_avg_sq"] = v
            state[p.name + ".step"] = [Float(t)]
        }
    }
}

/// Learning rate as a function of the epoch (0-based), applied at the start of each epoch.
public enum LearningRateSchedule: Sendable, Equatable {
    /// The base rate throughout.
    case constant
    /// η·γ^⌊epoch/stepSize⌋ (PyTorch's StepLR).
    case step(every: Int, factor: Double)
    /// η_min + (η − η_min)·(1 + cos(π·epoch/T))/2 (CosineAnnealingLR with T = total epochs).
    case cosine(epochs: Int, minimum: Double)

    /// The learning rate for `epoch` given the base rate.
    public func rate(base: Double, epoch: Int) -> Double {
        switch self {
        case .constant: return base
        case let .step(every, factor): return base * Foundation.pow(factor, Double(epoch / max(every, 1)))
        case let .cosine(epochs, minimum):
            return minimum + (base - minimum) * (1 + Foundation.cos(Double.pi * Double(epoch) / Double(max(epochs, 1)))) / 2
        }
    }
}

extension LearningRateSchedule {
    /// Parses `constant`, `step:EVERY:FACTOR` (e.g. `step:8:0.1`) or `cosine` (to 0 over `epochs`).
    public init(parsing text: String, epochs: Int) throws {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        switch parts.first {
        case "constant" where parts.count == 1: self = .constant
        case "cosine" where parts.count == 1: self = .cosine(epochs: epochs, minimum: 0)
        case "step" where parts.count == 3 && (Int(parts[1]) ?? 0) > 0 && (Double(parts[2]) ?? 0) > 0:
            self = .step(every: Int(parts[1]) ?? 1, factor: Double(parts[2]) ?? 1)
        default:
            throw ConvKitError.invalidArgument(name: "--schedule", reason: "'\(text)' is not constant, cosine or step:EVERY:FACTOR (e.g. step:8:0.1)")
        }
    }
}
