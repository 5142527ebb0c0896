import ConvKitKernels

/// Finite-difference check of a layer's backward pass.
///
/// With a fixed random projection r, the scalar L(x, θ) = Σ r ⊙ layer(x; θ) has ∂L/∂x =
/// backward(r). Each checked entry is compared with the central difference
/// (L(v + ε) − L(v − ε)) / 2ε, computed with the same dropout mask (the generator is reset before
/// every forward pass). Errors are reported relative to the largest analytic gradient magnitude.
public enum GradientCheck {
    /// The worst disagreement over the checked entries of one tensor.
    public struct Result: Sendable, CustomStringConvertible {
        public var name: String
        public var checked: Int
        public var maxAbsoluteError: Double
        /// maxAbsoluteError / max(|analytic|, 1e-3) over the checked entries.
        public var maxRelativeError: Double
        public var description: String { "\(name): \(checked) entries, max abs error \(maxAbsoluteError), relative \(maxRelativeError)" }
    }

    /// Checks ∂L/∂input and ∂L/∂θ for every trainable parameter of `layer` on a random batch.
    /// - Parameters:
    ///   - samples: entries checked per tensor (spread evenly over it; all when it is smaller).
    public static func check(_ layer: any InstantiableLayer, input: Shape, batch: Int = 2, seed: UInt64 = 1, training: Bool = true,
                             epsilon: Float = 1e-2, samples: Int = 40, inputValues: Tensor? = nil) throws -> [Result] {
        var random = RandomGenerator(seed: seed)
        let runtime = try layer.makeRuntime(input: input, path: layer.name, random: &random)
        var x = Tensor(shape: [batch] + input.dimensions)
        if let inputValues { x = inputValues } else { for i in 0..<x.count { x.storage[i] = random.nextNormal() } }
        let dropoutSeed = random.next()
        func run(_ x: Tensor) throws -> Tensor {
            var context = RunContext(training: training, threads: 1, random: RandomGenerator(seed: dropoutSeed))
            return try runtime.forward(x, &context)
        }
        let y = try run(x)
        var r = Tensor(shape: y.shape)
        for i in 0..<r.count { r.storage[i] = random.nextNormal() }
        func loss(_ x: Tensor) throws -> Double {
            let y = try run(x)
            return zip(y.storage, r.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        for p in runtime.parameters where p.isTrainable { setToZero(&p.gradient.storage) }
        _ = try run(x)
        var context = RunContext(training: training, threads: 1, random: RandomGenerator(seed: dropoutSeed))
        let dx = try runtime.backward(r, &context)

        var results: [Result] = []
        func compare(_ name: String, count: Int, mask: [Float]? = nil, analytic: (Int) -> Float, perturb: (Int, Float) -> Void) throws {
            let step = max(1, count / samples)
            var worst = 0.0, largest = 1e-3, checked = 0
            // Masked entries (absent connections) are constrained to zero: not free variables.
            for i in stride(from: 0, to: count, by: step) where mask.map({ $0[i] != 0 }) ?? true {
                perturb(i, epsilon)
                let plus = try loss(x)
                perturb(i, -2 * epsilon)
                let minus = try loss(x)
                perturb(i, epsilon)
                let numeric = (plus - minus) / (2 * Double(epsilon))
                worst = max(worst, abs(numeric - Double(analytic(i))))
                largest = max(largest, abs(Double(analytic(i))))
                checked += 1
            }
            results.append(Result(name: name, checked: checked, maxAbsoluteError: worst, maxRelativeError: worst / largest))
        }
        try compare("input", count: x.count, analytic: { dx.storage[$0] }, perturb: { x.storage[$0] += $1 })
        for p in runtime.parameters where p.isTrainable {
            let gradient = p.gradient
            try compare(p.name, count: p.value.count, mask: p.mask, analytic: { gradient.storage[$0] }, perturb: { p.value.storage[$0] += $1 })
        }
        return results
    }
}
