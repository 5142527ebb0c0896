/// SGD with momentum in its two textbook forms on the quadratic f(θ) = ½·Σ aᵢ·θᵢ²
/// (gradient gᵢ = aᵢ·θᵢ), step by step:
///
/// - heavy ball (Polyak), computed here in Double: θ_{k+1} = θ_k − α·g_k + β·(θ_k − θ_{k−1}),
///   with θ_{−1} = θ_0;
/// - velocity form, ConvKit's ``SGD`` optimizer (float32): v_{k+1} = β·v_k + g_k,
///   θ_{k+1} = θ_k − α·v_{k+1}, with v_0 = 0.
///
/// They are the same iteration: θ_{k+1} − θ_k = −α·v_{k+1} = −α·g_k − α·β·v_k = −α·g_k + β·(θ_k − θ_{k−1}).
/// The trajectories differ only by float32 rounding.
public struct MomentumWalkthrough: Sendable {
    /// θ after step k (k = 0 is the start) in both forms.
    public struct Step: Sendable {
        /// Step number, 0 for the start.
        public var k: Int
        /// Heavy-ball iterate (Double).
        public var heavyBall: [Double]
        /// Velocity-form iterate (ConvKit's SGD, float32).
        public var velocityForm: [Float]
        /// f at the heavy-ball iterate.
        public var loss: Double
        /// max_i |heavy ball − velocity form|.
        public var difference: Double
    }

    /// The aᵢ of f.
    public let curvature: [Double]
    /// α.
    public let learningRate: Double
    /// β.
    public let momentum: Double
    /// The start and every step.
    public let steps: [Step]
    /// The largest difference over all steps.
    public var maxDifference: Double { steps.map(\.difference).max() ?? 0 }

    /// Runs `steps` steps from `start`.
    /// - Throws: ``ConvKitError`` for a non-positive learning rate or curvature, momentum outside
    ///   [0, 1), a step count outside 1…10,000, or `start` and `curvature` of different lengths.
    public init(curvature: [Double] = [1, 10], start: [Double] = [1, 1], learningRate: Double = 0.05, momentum: Double = 0.9, steps: Int = 20) throws {
        guard !curvature.isEmpty, curvature.count <= 16, curvature.allSatisfy({ $0 > 0 }) else {
            throw ConvKitError.invalidArgument(name: "--curvature", reason: "needs 1 to 16 positive values aᵢ of f(θ) = ½·Σ aᵢ·θᵢ², found \(curvature.count)")
        }
        guard start.count == curvature.count else {
            throw ConvKitError.invalidArgument(name: "--start", reason: "found \(start.count) values for \(curvature.count) curvatures (one θᵢ per aᵢ)")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw ConvKitError.invalidArgument(name: "--lr", reason: "must be positive, found \(learningRate)")
        }
        guard momentum >= 0, momentum < 1 else {
            throw ConvKitError.invalidArgument(name: "--momentum", reason: "must be in [0, 1), found \(momentum)")
        }
        guard steps >= 1, steps <= 10_000 else {
            throw ConvKitError.invalidArgument(name: "--steps", reason: "must be between 1 and 10,000, found \(steps)")
        }
        func f(_ theta: [Double]) -> Double { zip(curvature, theta).reduce(0) { $0 + 0.5 * $1.0 * $1.1 * $1.1 } }

        let parameter = Parameter(name: "theta", value: try Tensor(shape: [start.count], values: start.map(Float.init)))
        let sgd = SGD(learningRate: learningRate, momentum: momentum)
        var theta = start, previous = start
        var trajectory = [Step(k: 0, heavyBall: theta, velocityForm: parameter.value.storage, loss: f(theta),
                               difference: ExplainArguments.maxAbsDifference(theta, parameter.value.storage))]
        for k in 1...steps {
            // Heavy ball: θ_{k+1} = θ_k − α·g_k + β·(θ_k − θ_{k−1}).
            let next = theta.indices.map { i in theta[i] - learningRate * curvature[i] * theta[i] + momentum * (theta[i] - previous[i]) }
            previous = theta
            theta = next
            // Velocity form: ConvKit's optimizer on the same function.
            parameter.gradient.storage = zip(parameter.value.storage, curvature).map { $0 * Float($1) }
            sgd.step([parameter])
            trajectory.append(Step(k: k, heavyBall: theta, velocityForm: parameter.value.storage, loss: f(theta),
                                   difference: ExplainArguments.maxAbsDifference(theta, parameter.value.storage)))
        }
        self.curvature = curvature
        self.learningRate = learningRate
        self.momentum = momentum
        self.steps = trajectory
    }
}

/// The logic of `convkit explain momentum`: the two trajectories side by side.
public enum MomentumReport {
    /// Runs the command; `curvature` and `start` are comma-separated lists.
    public static func run(curvature: String = "1,10", start: String = "1,1", learningRate: Double = 0.05, momentum: Double = 0.9,
                           steps: Int = 20, format: OutputFormat = .table) throws -> ReportOutput {
        guard format == .table || format == .json else {
            throw ConvKitError.invalidArgument(name: "--format", reason: "explain momentum prints table or json, not \(format.rawValue)")
        }
        let walk = try MomentumWalkthrough(curvature: try ExplainArguments.list(curvature, option: "--curvature"),
                                           start: try ExplainArguments.list(start, option: "--start"),
                                           learningRate: learningRate, momentum: momentum, steps: steps)
        return ReportOutput(text: format == .json ? json(walk).serialized() + "\n" : text(walk))
    }

    static func text(_ walk: MomentumWalkthrough) -> String {
        let a = walk.curvature.map { ExplainArguments.format($0) }
        let (alpha, beta) = (ExplainArguments.format(walk.learningRate), ExplainArguments.format(walk.momentum))
        let terms = a.indices.map { "\(a[$0])·θ\($0 + 1)²" }.joined(separator: " + ")
        var out = "SGD with momentum on f(θ) = ½(\(terms)), α = \(alpha), β = \(beta)\n"
        out += "heavy ball (Double):           θ_{k+1} = θ_k − α·∇f(θ_k) + β·(θ_k − θ_{k−1})\n"
        out += "velocity form (ConvKit's SGD): v_{k+1} = β·v_k + ∇f(θ_k), θ_{k+1} = θ_k − α·v_{k+1}\n"
        out += "same iteration: θ_{k+1} − θ_k = −α·v_{k+1} = −α·∇f(θ_k) + β·(θ_k − θ_{k−1})\n\n"
        let dims = walk.curvature.count
        let headers = ["k"] + (1...dims).map { "θ\($0) heavy ball" } + ["f(θ)"] + (1...dims).map { "θ\($0) velocity" } + ["|difference|"]
        var table = TextTable(headers: headers, alignments: Array(repeating: .right, count: headers.count))
        for step in walk.steps {
            table.rows.append(["\(step.k)"] + step.heavyBall.map { String(format: "%.6f", $0) } + [String(format: "%.6f", step.loss)]
                              + step.velocityForm.map { String(format: "%.6f", $0) } + [ExplainArguments.scientific(step.difference)])
        }
        out += table.text()
        out += "\nmax |heavy ball − velocity form| over \(walk.steps.count - 1) steps: \(ExplainArguments.scientific(walk.maxDifference)) (float32 rounding)\n"
        return out
    }

    static func json(_ walk: MomentumWalkthrough) -> JSONValue {
        .object([
            ("curvature", .array(walk.curvature.map(JSONValue.double))),
            ("learning_rate", .double(walk.learningRate)),
            ("momentum", .double(walk.momentum)),
            ("steps", .array(walk.steps.map { step in
                .object([("k", .int(step.k)), ("heavy_ball", .array(step.heavyBall.map(JSONValue.double))),
                         ("velocity_form", .array(step.velocityForm.map(ConvolutionMatrixReport.jsonNumber))),
                         ("loss", .double(step.loss)), ("difference", .double(step.difference))])
            })),
            ("max_difference", .double(walk.maxDifference)),
        ])
    }
}
