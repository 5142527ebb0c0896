import ArgumentParser
import ConvKit
import Foundation

/// `convkit explain …`: what a CNN computes, written out and checked numerically.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Write out what a CNN computes, exactly, and check it numerically.",
        subcommands: [Conv.self, ReceptiveField.self, BatchNorm.self, Momentum.self]
    )

    struct Conv: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "conv",
            abstract: "A convolution as a fully connected layer y = A·x, and its backward pass as Aᵀ.",
            discussion: """
            VALUES: numbers with ',' between columns and ';' between rows; '|' between the channels of --x
            ("1,2;3,4 | 5,6;7,8" is 2×2×2). --w gives M filters of C×KH×KW: filters separated by '||' and each
            filter's channels by '|', or, without '||', all M·C kernels separated by '|' in (filter, channel)
            order. Values not given are seeded random (--seed).
            """
        )

        @Option(help: "Input shape C,H,W.")
        var input: String

        @Option(help: "Number of filters M (output channels).")
        var filters: Int

        @Option(help: "Kernel size KH,KW (or K).")
        var kernel: String

        @Option(help: "Stride S (or SH,SW).")
        var stride: String?

        @Option(help: "Zero padding P on each side (or PH,PW).")
        var padding: String?

        @Option(help: "Dilation D (or DH,DW).")
        var dilation: String?

        @Option(help: "Input values (see VALUES).")
        var x: String?

        @Option(help: "Kernel values (see VALUES).")
        var w: String?

        @Option(help: "Seed of the random values (x and w when not given, and ∂L/∂y).")
        var seed: UInt64 = 1

        @Flag(help: "Print A's entries as w[m,c,kh,kw] names.")
        var symbolic = false

        @Option(help: "Output format: table or json.")
        var format: String = "table"

        func run() throws {
            let output = try ConvolutionMatrixReport.run(.init(
                input: input, filters: filters, kernel: kernel, stride: stride, padding: padding, dilation: dilation,
                x: x, w: w, seed: seed, symbolic: symbolic, format: OutputFormat(parsing: format)))
            print(output.text, terminator: "")
        }
    }

    struct ReceptiveField: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receptive-field",
            abstract: "The input pixels one output position depends on, layer by layer, with a picture."
        )

        @Argument(help: "Zoo model name or path of a YAML spec file.")
        var model: String

        @Option(help: "Input shape C,H,W, overriding the model's default.")
        var input: String?

        @Option(help: "Dotted layer name (as in 'convkit summary'); default: the last layer with a C×H×W output.")
        var layer: String?

        @Option(help: "Output position I,J (row, column, 0-based); default: the centre of the layer's output.")
        var at: String?

        @Option(help: "Output format: table or json.")
        var format: String = "table"

        func run() throws {
            let output = try ReceptiveFieldReport.run(model: model, input: input, layer: layer, at: at, format: OutputFormat(parsing: format))
            print(output.text, terminator: "")
        }
    }

    struct BatchNorm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "batchnorm",
            abstract: "Batch normalization of one mini-batch by hand: mean, variance, normalised and scaled values, running statistics, evaluation output.",
            discussion: "--values has one ';'-separated group per feature, each the feature's ','-separated values across the examples of the mini-batch."
        )

        @Option(help: "Values, e.g. \"12,14,14,12; 0,10,10,0; -5,5,5,-5\" (3 features × 4 examples).")
        var values: String

        @Option(help: "γ per feature, comma-separated (default 1).")
        var gamma: String?

        @Option(help: "β per feature, comma-separated (default 0).")
        var beta: String?

        @Option(help: "ε added to the variance.")
        var eps: Double = ConvKit.BatchNorm.defaultEpsilon

        @Option(help: "Momentum of the running statistics.")
        var momentum: Double = ConvKit.BatchNorm.defaultMomentum

        @Option(help: "Training passes over this mini-batch before evaluation.")
        var batches: Int = 1

        @Option(help: "Output format: table or json.")
        var format: String = "table"

        func run() throws {
            let output = try BatchNormReport.run(values: values, gamma: gamma, beta: beta, epsilon: eps, momentum: momentum,
                                                 batches: batches, format: OutputFormat(parsing: format))
            print(output.text, terminator: "")
        }
    }

    struct Momentum: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "momentum",
            abstract: "SGD with momentum in heavy-ball and velocity form on a small quadratic, side by side."
        )

        @Option(help: "Curvatures aᵢ of f(θ) = ½·Σ aᵢ·θᵢ², comma-separated.")
        var curvature: String = "1,10"

        @Option(help: "Starting point θ₀, comma-separated.")
        var start: String = "1,1"

        @Option(help: "Learning rate α.")
        var lr: Double = 0.05

        @Option(help: "Momentum β.")
        var momentum: Double = 0.9

        @Option(help: "Number of steps.")
        var steps: Int = 20

        @Option(help: "Output format: table or json.")
        var format: String = "table"

        func run() throws {
            let output = try MomentumReport.run(curvature: curvature, start: start, learningRate: lr, momentum: momentum, steps: steps,
                                                format: OutputFormat(parsing: format))
            print(output.text, terminator: "")
        }
    }
}
