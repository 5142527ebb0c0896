/// The logic of `convkit explain conv`: builds ``ConvolutionMatrix`` for the given sizes, fills
/// x and w from `--x`/`--w` (see ``ValueGrid``) or a seeded generator, runs ``ConvolutionChecks``
/// and renders everything as text or JSON.
public enum ConvolutionMatrixReport {
    /// The command's arguments, as typed.
    public struct Options: Sendable {
        /// `C,H,W`.
        public var input: String
        /// M, the number of filters.
        public var filters: Int
        /// `KH,KW` or `K`.
        public var kernel: String
        /// `S` or `SH,SW` (default 1).
        public var stride: String?
        /// `P` or `PH,PW` (default 0).
        public var padding: String?
        /// `D` or `DH,DW` (default 1).
        public var dilation: String?
        /// Input values (``ValueGrid/input(_:channels:height:width:)``); seeded random when `nil`.
        public var x: String?
        /// Weights (``ValueGrid/weights(_:filters:channels:kernel:)``); seeded random when `nil`.
        public var w: String?
        /// Seed of the random x, w (when not given) and output gradient g = ∂L/∂y, in that order.
        public var seed: UInt64
        /// Print A's entries as `w[m,c,kh,kw]` names instead of numbers.
        public var symbolic: Bool
        /// `table` (text) or `json`.
        public var format: OutputFormat

        /// Options with the command-line defaults (stride 1, padding 0, dilation 1, seed 1, numbers, text).
        public init(input: String, filters: Int, kernel: String, stride: String? = nil, padding: String? = nil, dilation: String? = nil,
                    x: String? = nil, w: String? = nil, seed: UInt64 = 1, symbolic: Bool = false, format: OutputFormat = .table) {
            self.input = input
            self.filters = filters
            self.kernel = kernel
            self.stride = stride
            self.padding = padding
            self.dilation = dilation
            self.x = x
            self.w = w
            self.seed = seed
            self.symbolic = symbolic
            self.format = format
        }
    }

    /// Everything the report shows, computed.
    public struct Result: Sendable {
        /// A.
        public var matrix: ConvolutionMatrix
        /// Input, flattened `C×H×W`.
        public var x: [Float]
        /// Weights `[M, C, kh, kw]`.
        public var weights: [Float]
        /// The output gradient ∂L/∂y used by checks (b) and (c), flattened `M×H'×W'`.
        public var outputGradient: [Float]
        /// The three checks and the vectors they compared.
        public var checks: ConvolutionChecks
    }

    /// Parses the options and computes the matrix and checks.
    /// - Throws: ``ConvKitError`` for malformed sizes or values, value counts that do not match the
    ///   sizes, and a kernel larger than the padded input.
    public static func compute(_ options: Options) throws -> Result {
        let input = try Shape(parsing: options.input)
        guard input.rank == 3 else {
            throw ConvKitError.invalidArgument(name: "--input", reason: "'\(options.input)' must be C,H,W")
        }
        guard options.filters > 0 else {
            throw ConvKitError.invalidArgument(name: "--filters", reason: "must be positive, found \(options.filters)")
        }
        let geometry = try ConvolutionGeometry(
            input: input, filters: options.filters,
            kernel: try ExplainArguments.size(options.kernel, option: "--kernel"),
            stride: try options.stride.map { try ExplainArguments.size($0, option: "--stride") } ?? Size2(1),
            padding: try options.padding.map { try ExplainArguments.size($0, option: "--padding", minimum: 0) } ?? Size2(0),
            dilation: try options.dilation.map { try ExplainArguments.size($0, option: "--dilation") } ?? Size2(1))
        let matrix = try ConvolutionMatrix(geometry)
        var random = RandomGenerator(seed: options.seed)
        var x = (0..<matrix.columns).map { _ in random.nextNormal() }
        var weights = (0..<geometry.weightCount).map { _ in random.nextNormal() }
        let g = (0..<matrix.rows).map { _ in random.nextNormal() }
        if let text = options.x {
            x = try ValueGrid.input(text, channels: geometry.channels, height: geometry.height, width: geometry.width)
        }
        if let text = options.w {
            weights = try ValueGrid.weights(text, filters: geometry.filters, channels: geometry.channels, kernel: geometry.kernel)
        }
        let checks = try ConvolutionChecks(matrix: matrix, x: x, weights: weights, outputGradient: g)
        return Result(matrix: matrix, x: x, weights: weights, outputGradient: g, checks: checks)
    }

    /// Runs `convkit explain conv` with `options`.
    public static func run(_ options: Options) throws -> ReportOutput {
        switch options.format {
        case .table: break
        case .json: break
        default:
            throw ConvKitError.invalidArgument(name: "--format", reason: "explain conv prints table or json, not \(options.format.rawValue)")
        }
        let result = try compute(options)
        if options.format == .json { return ReportOutput(text: json(result, options: options).serialized() + "\n") }
        return ReportOutput(text: text(result, options: options))
    }

    /// Widest A shown in full in text; wider or taller matrices are shown truncated.
    static let fullColumns = 64, fullRows = 256
    static let truncatedColumns = 16, truncatedRows = 32

    static func text(_ result: Result, options: Options) -> String {
        let matrix = result.matrix, g = matrix.geometry
        let givenValues = options.x != nil || options.w != nil
        var out = "Convolution as a matrix (cross-correlation, no kernel flip, no bias)\n"
        out += "input x: \(g.input) (C×H×W), \(g.filters) filter\(g.filters == 1 ? "" : "s") \(g.channels)×\(g.kernel.height)×\(g.kernel.width), "
        out += "stride \(g.stride), padding \(g.padding), dilation \(g.dilation) → output y: \(g.output) (M×H'×W')\n"
        out += g.formulas.joined(separator: ", ") + "\n"
        out += "y = A·x, A is \(matrix.rows)×\(matrix.columns) (M·H'·W' × C·H·W), \(matrix.connections.grouped) non-zero entries, "
        out += "\(matrix.distinctWeights) distinct weights\n"
        out += "A[y[m,i,j], x[c,h,w]] = w[m,c,kh,kw] where h = i·\(g.stride.height) − \(g.padding.height) + kh·\(g.dilation.height), "
        out += "w = j·\(g.stride.width) − \(g.padding.width) + kw·\(g.dilation.width); 0 where no tap lands\n\n"
        out += renderMatrix(result, symbolic: options.symbolic)
        if !options.symbolic {
            out += "\n" + renderPlanes("x", result.x.map(Double.init), planes: g.channels, height: g.height, width: g.width, label: "channel")
            out += "\n" + renderWeights(result.weights, geometry: g)
            out += "\n" + renderPlanes("y = A·x", result.checks.output, planes: g.filters, height: g.outputHeight, width: g.outputWidth, label: "filter")
        }
        let c = result.checks
        let source = givenValues ? "the values given (random where not given, seed \(options.seed))" : "seeded random x and w (seed \(options.seed))"
        out += "\nChecks on \(source) and a seeded random g = ∂L/∂y (max abs error):\n"
        let rows: [(String, Double, String)] = [
            ("(a) A·x  vs ConvKit's Conv2d forward", c.forwardMaxAbsError, ""),
            ("(b) Aᵀ·g vs ConvKit's Conv2d backward ∂L/∂x", c.transposeBackwardMaxAbsError, "  (the backward pass is B = Aᵀ)"),
            ("(c) Aᵀ·g vs full convolution with rotated kernels", c.rotatedKernelMaxAbsError, ""),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (label, error, remark) in rows {
            out += "  " + label.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(ExplainArguments.scientific(error))\(remark)\n"
        }
        out += "      (c): g with s−1 zeros between entries, padded by d(k−1)−p, cross-correlated with w rotated 180°, in/out channels swapped\n"
        return out
    }

    /// A as a table (row labels, column labels), truncated when large.
    static func renderMatrix(_ result: Result, symbolic: Bool) -> String {
        let matrix = result.matrix
        let truncated = matrix.columns > fullColumns || matrix.rows > fullRows
        let shownRows = truncated ? min(matrix.rows, truncatedRows) : matrix.rows
        // A truncated view starts at the first column row 0 connects to, so it shows structure.
        let firstColumn = truncated ? min((0..<matrix.columns).first { matrix.weightIndex(row: 0, column: $0) != nil } ?? 0,
                                          max(matrix.columns - truncatedColumns, 0)) : 0
        let shown = firstColumn..<(truncated ? min(matrix.columns, firstColumn + truncatedColumns) : matrix.columns)
        let columnLabels = matrix.columnLabels, rowLabels = matrix.rowLabels
        var headers = ["A"] + (shown.lowerBound > 0 ? ["…"] : []) + columnLabels[shown]
        if shown.upperBound < matrix.columns { headers.append("…") }
        var table = TextTable(headers: headers, alignments: [.left] + Array(repeating: .right, count: headers.count - 1))
        for r in 0..<shownRows {
            var row = [rowLabels[r]] + (shown.lowerBound > 0 ? ["…"] : [])
            for k in shown {
                if symbolic {
                    row.append(matrix.weightIndex(row: r, column: k).map(matrix.weightName) ?? "0")
                } else {
                    row.append(ExplainArguments.format(matrix.value(row: r, column: k, weights: result.weights)))
                }
            }
            if shown.upperBound < matrix.columns { row.append("…") }
            table.rows.append(row)
        }
        if shownRows < matrix.rows { table.rows.append(["⋮"] + Array(repeating: "", count: headers.count - 1)) }
        var out = table.text()
        if truncated {
            out += "(A is \(matrix.rows.grouped)×\(matrix.columns.grouped): showing rows 0…\(shownRows - 1) and columns \(shown.lowerBound)…\(shown.upperBound - 1); --format json prints all of it)\n"
        }
        return out
    }

    /// Planes of a tensor as aligned grids, skipped with a note when large.
    static func renderPlanes(_ title: String, _ values: [Double], planes: Int, height: Int, width: Int, label: String) -> String {
        guard values.count <= 256, width <= 16 else { return "\(title): \(values.count.grouped) values (--format json prints them)\n" }
        var out = "\(title):\n"
        let cells = values.map { ExplainArguments.format($0) }
        let cellWidth = cells.map(\.count).max() ?? 1
        for p in 0..<planes {
            if planes > 1 { out += "  \(label) \(p):\n" }
            for r in 0..<height {
                let row = (0..<width).map { k -> String in
                    let cell = cells[(p * height + r) * width + k]
                    return String(repeating: " ", count: cellWidth - cell.count) + cell
                }
                out += "    " + row.joined(separator: "  ") + "\n"
            }
        }
        return out
    }

    static func renderWeights(_ weights: [Float], geometry g: ConvolutionGeometry) -> String {
        let plane = g.kernel.height * g.kernel.width
        guard weights.count <= 256, g.kernel.width <= 16 else { return "w: \(weights.count.grouped) values (--format json prints them)\n" }
        var out = "w (filter m, channel c):\n"
        let cells = weights.map { ExplainArguments.format(Double($0)) }
        let cellWidth = cells.map(\.count).max() ?? 1
        for m in 0..<g.filters {
            for c in 0..<g.channels {
                out += "  w[\(m),\(c)]:\n"
                let base = (m * g.channels + c) * plane
                for r in 0..<g.kernel.height {
                    let row = (0..<g.kernel.width).map { k -> String in
                        let cell = cells[base + r * g.kernel.width + k]
                        return String(repeating: " ", count: cellWidth - cell.count) + cell
                    }
                    out += "    " + row.joined(separator: "  ") + "\n"
                }
            }
        }
        return out
    }

    static func json(_ result: Result, options: Options) -> JSONValue {
        let matrix = result.matrix, g = matrix.geometry
        func pair(_ s: Size2) -> JSONValue { .array([.int(s.height), .int(s.width)]) }
        var rows: [JSONValue] = []
        rows.reserveCapacity(matrix.rows)
        for r in 0..<matrix.rows {
            rows.append(.array((0..<matrix.columns).map { k in
                options.symbolic ? .string(matrix.weightIndex(row: r, column: k).map(matrix.weightName) ?? "0")
                    : .double(matrix.value(row: r, column: k, weights: result.weights))
            }))
        }
        let c = result.checks
        return .object([
            ("input", .array(g.input.dimensions.map(JSONValue.int))),
            ("filters", .int(g.filters)),
            ("kernel", pair(g.kernel)),
            ("stride", pair(g.stride)),
            ("padding", pair(g.padding)),
            ("dilation", pair(g.dilation)),
            ("output_shape", .array(g.output.dimensions.map(JSONValue.int))),
            ("distinct_weights", .int(matrix.distinctWeights)),
            ("rows", .array(matrix.rowLabels.map(JSONValue.string))),
            ("columns", .array(matrix.columnLabels.map(JSONValue.string))),
            ("matrix", .array(rows)),
            ("x", .array(result.x.map(jsonNumber))),
            ("weights", .array(result.weights.map(jsonNumber))),
            ("output", .array(c.output.map(JSONValue.double))),
            ("output_gradient", .array(result.outputGradient.map(jsonNumber))),
            ("input_gradient", .array(c.inputGradient.map(JSONValue.double))),
            ("checks", .object([
                ("forward_max_abs_error", .double(c.forwardMaxAbsError)),
                ("transpose_backward_max_abs_error", .double(c.transposeBackwardMaxAbsError)),
                ("rotated_kernel_max_abs_error", .double(c.rotatedKernelMaxAbsError)),
            ])),
        ])
    }

    /// A float as the shortest decimal that reads back to it (0.3, not 0.30000001192092896).
    static func jsonNumber(_ value: Float) -> JSONValue { .double(Double(value.description) ?? Double(value)) }
}
