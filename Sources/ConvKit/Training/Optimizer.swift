import ConvKitKernels
import Foundation

/// One piece of state an optimizer keeps for every trainable parameter, e.g. SGD's
/// `momentum_buffer` or Adam's `exp_avg`, `exp_avg_sq` and `step` (PyTorch's names). The
/// optimizer keys it `<param>.<suffix>` in ``Optimizer/state``, and a resumable checkpoint
/// stores it as the tensor `optimizer.<param>.<suffix>` (see ``ResumableCheckpoint``).
public struct OptimizerStateSlot: Sendable, Equatable {
    /// What a slot holds for one parameter.
    public enum Shape: Sendable, Equatable {
        /// As many values as the parameter, stored with the parameter's shape.
        case parameter
        /// One value, stored as a scalar tensor (shape `[]`).
        case scalar
    }
    /// The last component of the state's key and tensor name, e.g. `exp_avg`.
    public let suffix: String
    /// Whether the slot is shaped like the parameter or a scalar.
    public let shape: Shape

    /// A slot named `suffix` of the given shape.
    public init(_ suffix: String, _ shape: Shape) {
        self.suffix = suffix
        self.shape = shape
    }

    /// The key of this slot's values for `parameter` in ``Optimizer/state``: `<parameter>.<suffix>`.
    public func key(for parameter: String) -> String { parameter + "." + suffix }

    /// How many values the slot holds for a parameter of `parameterCount` values.
    public func count(parameterCount: Int) -> Int { shape == .scalar ? 1 : parameterCount }

    /// The shape the slot's tensor has for a parameter of shape `parameterShape`.
    public func tensorShape(parameterShape: [Int]) -> [Int] { shape == .scalar ? [] : parameterShape }
}

/// Updates parameters from their gradients. An optimizer declares the state it keeps per
/// parameter (``stateSlots``) and updates one parameter at a time (``applySingle(_:state:)``,
/// after mlx-swift); the shared ``step(_:)`` looks its state up, starting new state at zero.
public protocol Optimizer: AnyObject {
    /// Learning rate used by the next ``step(_:)``.
    var learningRate: Double { get set }
    /// The state kept for every trainable parameter, in this order; empty when there is none
    /// (SGD without momentum).
    var stateSlots: [OptimizerStateSlot] { get }
    /// Optimizer state for checkpoints, keyed `<param>.<suffix>` for every slot of ``stateSlots``
    /// (``OptimizerStateSlot/key(for:)``); empty before the first step.
    var state: [String: [Float]] { get set }
    /// Updates one trainable parameter from its gradient. `state` holds one array per slot of
    /// ``stateSlots``, in order and sized as the slot says (zeros for a parameter's first step),
    /// and is updated in place.
    func applySingle(_ parameter: Parameter, state: inout [[Float]])
    /// One update of every trainable parameter from its accumulated gradient.
    func step(_ parameters: [Parameter])
    /// ``step(_:)`` on up to `threads` threads; the result does not depend on `threads`.
    func step(_ parameters: [Parameter], threads: Int)
}

extension Optimizer {
    /// Fresh state for `parameter`: zeros, one array per slot of ``stateSlots`` (mlx-swift's `newState`).
    public func newState(for parameter: Parameter) -> [[Float]] {
        stateSlots.map { [Float](repeating: 0, count: $0.count(parameterCount: parameter.value.count)) }
    }

    /// Applies ``applySingle(_:state:)`` to every trainable parameter with its state from
    /// ``state``; missing or wrongly sized state starts from zero. The arrays are moved out of the
    /// dictionary and back, so they are updated in place, never copied.
    public func step(_ parameters: [Parameter]) {
        let slots = stateSlots
        for p in parameters where p.isTrainable {
            let count = p.value.count
            var values = slots.map { slot -> [Float] in
                let expected = slot.count(parameterCount: count)
                if let held = state.removeValue(forKey: slot.key(for: p.name)), held.count == expected { return held }
                return [Float](repeating: 0, count: expected)
            }
            applySingle(p, state: &values)
            for (slot, held) in zip(slots, values) { state[slot.key(for: p.name)] = held }
        }
    }

    /// ``step(_:)`` on the calling thread (optimizers without a parallel update).
    public func step(_ parameters: [Parameter], threads: Int) { step(parameters) }
}

/// SGD with momentum in PyTorch's velocity form: g ← ∇ + λ·θ; v ← μ·v + g; θ ← θ − η·v
/// (Nesterov: θ ← θ − η·(g + μ·v)). This equals the heavy-ball form
/// θ_{k+1} = θ_k − η·g_k + μ·(θ_k − θ_{k−1}) for a constant η.
///
/// State: the velocity v as `<param>.momentum_buffer` when μ ≠ 0; none without momentum.
public final class SGD: Optimizer {
    /// The state slot of the velocity v (PyTorch's `momentum_buffer`).
    public static let momentumBuffer = OptimizerStateSlot("momentum_buffer", .parameter)

    /// Learning rate η.
    public var learningRate: Double
    /// Momentum μ (0: plain SGD, no state).
    public let momentum: Double
    /// Nesterov momentum.
    public let nesterov: Bool
    /// Weight decay λ (L2, added to the gradient).
    public let weightDecay: Double
    /// The velocity per parameter, keyed `<param>.momentum_buffer`.
    public var state: [String: [Float]] = [:]
    /// `[momentum_buffer]` with momentum (μ ≠ 0 as a Float, as the step computes it), `[]` without.
    public var stateSlots: [OptimizerStateSlot] { Float(momentum) != 0 ? [Self.momentumBuffer] : [] }

    /// SGD with learning rate η, momentum μ, optional Nesterov momentum and weight decay λ.
    public init(learningRate: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// ``step(_:threads:)`` on the calling thread.
    public func step(_ parameters: [Parameter]) { step(parameters, threads: 1) }

    /// One SGD step of every trainable parameter in one parallel region of up to `threads`
    /// threads (``sgdUpdate(_:gradients:velocities:masks:learningRate:momentum:weightDecay:nesterov:threads:)``),
    /// bit-identical to ``applySingle(_:state:)`` on each parameter in turn. The values and
    /// velocities are moved out of the parameters and ``state`` and back, never copied; missing
    /// or wrongly sized velocity starts from zero.
    public func step(_ parameters: [Parameter], threads: Int) {
        let trainable = parameters.filter(\.isTrainable)
        let keys = velocityKeys(trainable)
        let (lr, wd) = (Float(learningRate), Float(weightDecay))
        let mu = keys.isEmpty ? 0 : Float(momentum)
        var thetas: [[Float]] = [], gradients: [[Float]] = [], masks: [[Float]?] = [], velocities: [[Float]] = []
        thetas.reserveCapacity(trainable.count)
        gradients.reserveCapacity(trainable.count)
        masks.reserveCapacity(trainable.count)
        velocities.reserveCapacity(keys.count)
        for (index, p) in trainable.enumerated() {
            var values: [Float] = []
            swap(&values, &p.value.storage)
            thetas.append(values)
            gradients.append(p.gradient.storage)
            masks.append(p.mask)
            if !keys.isEmpty {
                let count = thetas[index].count
                if let held = state.removeValue(forKey: keys[index]), held.count == count {
                    velocities.append(held)
                } else {
                    velocities.append([Float](repeating: 0, count: count))
                }
            }
        }
        sgdUpdate(&thetas, gradients: gradients, velocities: &velocities, masks: masks, learningRate: lr, momentum: mu,
                  weightDecay: wd, nesterov: nesterov, threads: threads)
        for (index, p) in trainable.enumerated() {
            swap(&thetas[index], &p.value.storage)
            if !keys.isEmpty { state[keys[index]] = velocities[index] }
        }
    }

    /// The parameters `velocityKeys` was last computed for, and their `<param>.momentum_buffer` keys.
    private var keyedParameters: [ObjectIdentifier] = []
    private var cachedKeys: [String] = []

    /// `<param>.momentum_buffer` for each of `parameters` (empty without momentum), kept across
    /// steps so that a step builds no strings.
    private func velocityKeys(_ parameters: [Parameter]) -> [String] {
        guard Float(momentum) != 0 else { return [] }
        let identities = parameters.map(ObjectIdentifier.init)
        if identities != keyedParameters {
            keyedParameters = identities
            cachedKeys = parameters.map { Self.momentumBuffer.key(for: $0.name) }
        }
        return cachedKeys
    }

    /// One SGD step of `parameter`; `state` is `[velocity]` with momentum, `[]` without.
    public func applySingle(_ parameter: Parameter, state: inout [[Float]]) {
        let (lr, mu, wd) = (Float(learningRate), Float(momentum), Float(weightDecay))
        var none: [Float] = []
        if state.isEmpty {
            sgdUpdate(&parameter.value.storage, gradient: parameter.gradient.storage, velocity: &none, mask: parameter.mask,
                      learningRate: lr, momentum: 0, weightDecay: wd, nesterov: nesterov)
        } else {
            sgdUpdate(&parameter.value.storage, gradient: parameter.gradient.storage, velocity: &state[0], mask: parameter.mask,
                      learningRate: lr, momentum: mu, weightDecay: wd, nesterov: nesterov)
        }
    }
}

/// Adam (Kingma & Ba 2015) as in PyTorch: g ← ∇ + λ·θ; m ← β1·m + (1−β1)·g;
/// v ← β2·v + (1−β2)·g²; θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ),
/// computed as θ ← θ − (η/(1−β1ᵗ))·m/(√v/√(1−β2ᵗ) + ε) as PyTorch does.
///
/// State: m, v and the step count t as `<param>.exp_avg`, `<param>.exp_avg_sq`, `<param>.step`.
public final class Adam: Optimizer {
    /// The state slots: m (`exp_avg`), v (`exp_avg_sq`), both shaped like the parameter, and t
    /// (`step`), a scalar.
    public static let slots = [OptimizerStateSlot("exp_avg", .parameter), OptimizerStateSlot("exp_avg_sq", .parameter),
                               OptimizerStateSlot("step", .scalar)]

    /// Learning rate η.
    public var learningRate: Double
    /// Decay rates β1, β2 of the moments, ε of the denominator, weight decay λ (L2, added to the gradient).
    public let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    /// m, v and t per parameter, keyed `<param>.exp_avg`, `<param>.exp_avg_sq`, `<param>.step`.
    public var state: [String: [Float]] = [:]
    /// ``slots``.
    public var stateSlots: [OptimizerStateSlot] { Self.slots }

    /// Adam with PyTorch's defaults.
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One Adam step of `parameter`; `state` is `[m, v, [t]]` (t = steps taken so far).
    public func applySingle(_ parameter: Parameter, state: inout [[Float]]) {
        // Move m and v out of `state` so that they are updated in place (unique buffers).
        var m = state[0], v = state[1]
        let t = Double((state[2].first ?? 0) + 1)
        state = []
        let correction1 = 1 - Foundation.pow(beta1, t), correction2 = 1 - Foundation.pow(beta2, t)
        adamUpdate(&parameter.value.storage, gradient: parameter.gradient.storage, firstMoment: &m, secondMoment: &v, mask: parameter.mask,
                   stepSize: Float(learningRate / correction1), beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon),
                   rootCorrection2: Float(correction2.squareRoot()), weightDecay: Float(weightDecay))
        state = [m, v, [Float(t)]]
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
