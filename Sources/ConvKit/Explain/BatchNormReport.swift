/// The logic of `convkit explain batchnorm`: ``BatchNormWalkthrough`` written out step by step.
public enum BatchNormReport {
    /// Runs the command: `values` as `--values`, `gamma`/`beta` comma-separated per feature.
    public static func run(values: String, gamma: String? = nil, beta: String? = nil, epsilon: Double = BatchNorm.defaultEpsilon, momentum: Double = BatchNorm.defaultMomentum,
                           batches: Int = 1, format: OutputFormat = .table) throws -> ReportOutput {
        guard format == .table || format == .json else {
            throw ConvKitError.invalidArgument(name: "--format", reason: "explain batchnorm prints table or json, not \(format.rawValue)")
        }
        let walk = try BatchNormWalkthrough(values: try BatchNormWalkthrough.parseValues(values),
                                            gamma: try gamma.map { try ExplainArguments.list($0, option: "--gamma") },
                                            beta: try beta.map { try ExplainArguments.list($0, option: "--beta") },
                                            epsilon: epsilon, momentum: momentum, batches: batches)
        return ReportOutput(text: format == .json ? json(walk).serialized() + "\n" : text(walk))
    }

    static func f(_ v: Double) -> String { ExplainArguments.format(v, digits: 6) }
    static func list(_ v: [Double]) -> String { v.map(f).joined(separator: ", ") }
    /// A value inside a formula, parenthesised when negative.
    static func term(_ v: Double) -> String { v < 0 ? "(\(f(v)))" : f(v) }

    static func text(_ walk: BatchNormWalkthrough) -> String {
        let n = walk.features.first?.values.count ?? 0
        let m = walk.momentum
        var out = "Batch normalization by hand: \(walk.features.count) feature\(walk.features.count == 1 ? "" : "s") × \(n) examples, "
        out += "eps \(walk.epsilon), momentum \(m)\n"
        out += "running statistics start at mean 0, variance 1\(walk.batches > 1 ? "; \(walk.batches) training passes over this mini-batch" : "")\n"
        for (index, ft) in walk.features.enumerated() {
            out += "\nfeature \(index): x = \(list(ft.values)); γ = \(f(ft.gamma)), β = \(f(ft.beta))\n"
            out += "  mean        μ = (\(ft.values.map(term).joined(separator: " + ")))/\(n) = \(f(ft.mean))\n"
            out += "  variance    σ² = (\(ft.values.map { term($0 - ft.mean) + "²" }.joined(separator: " + ")))/\(n) = \(f(ft.variance))   (biased, ÷n)\n"
            let std = (ft.variance + walk.epsilon).squareRoot()
            out += "  normalised  x̂ = (x − \(term(ft.mean)))/√(\(f(ft.variance)) + ε) = (x − \(term(ft.mean)))/\(ExplainArguments.format(std, digits: 7)) = \(list(ft.normalized))\n"
            out += "  output      y = \(f(ft.gamma))·x̂ + \(term(ft.beta)) = \(list(ft.output))\n"
            let unbiased = ft.variance * Double(n) / Double(n - 1)
            if walk.batches == 1 {
                out += "  running     mean = \(f(1 - m))·0 + \(f(m))·\(term(ft.mean)) = \(f(ft.runningMean))\n"
                out += "              var  = \(f(1 - m))·1 + \(f(m))·\(f(unbiased)) = \(f(ft.runningVariance))   (unbiased σ²·\(n)/\(n - 1) = \(f(unbiased)))\n"
            } else {
                let k = walk.batches
                out += "  running     mean = (1 − \(f(1 - m))^\(k))·\(term(ft.mean)) = \(f(ft.runningMean))   (after \(k) batches)\n"
                out += "              var  = \(f(1 - m))^\(k)·1 + (1 − \(f(1 - m))^\(k))·\(f(unbiased)) = \(f(ft.runningVariance))   (unbiased σ²·\(n)/\(n - 1))\n"
            }
            out += "  evaluation  y = \(f(ft.gamma))·(x − \(term(ft.runningMean)))/√(\(f(ft.runningVariance)) + ε) + \(term(ft.beta)) = \(list(ft.evaluationOutput))\n"
        }
        out += "\nConvKit's BatchNorm (training forward, running statistics, evaluation forward) agrees with these formulas: "
        out += "max abs difference \(ExplainArguments.scientific(walk.maxAbsDifference))\n"
        return out
    }

    static func json(_ walk: BatchNormWalkthrough) -> JSONValue {
        func array(_ v: [Double]) -> JSONValue { .array(v.map(JSONValue.double)) }
        return .object([
            ("epsilon", .double(walk.epsilon)),
            ("momentum", .double(walk.momentum)),
            ("batches", .int(walk.batches)),
            ("examples", .int(walk.features.first?.values.count ?? 0)),
            ("features", .array(walk.features.map { ft in
                .object([("values", array(ft.values)), ("gamma", .double(ft.gamma)), ("beta", .double(ft.beta)),
                         ("mean", .double(ft.mean)), ("variance", .double(ft.variance)), ("normalized", array(ft.normalized)),
                         ("output", array(ft.output)), ("running_mean", .double(ft.runningMean)),
                         ("running_variance", .double(ft.runningVariance)), ("evaluation_output", array(ft.evaluationOutput))])
            })),
            ("runtime_max_abs_difference", .double(walk.maxAbsDifference)),
        ])
    }
}
