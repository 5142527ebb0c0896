import Foundation

/// A design what-if: a transformation of an ``Architecture`` into another one (never of printed
/// numbers), so that every count of the result is exact. Rewrites compose: apply them in order
/// with ``apply(_:to:input:)``.
///
/// | syntax | what it does | what it preserves |
/// |---|---|---|
/// | `factorize-3x3` | every k×k convolution with odd k ≥ 5, stride 1, dilation 1 becomes (k−1)/2 stacked 3×3 convolutions with the same output channels, an activation between them | output shape, receptive field, channels, groups, bias |
/// | `bottleneck=N` | a 1×1 convolution to N channels (and an activation) before every convolution with a kernel side ≥ 3 whose input has more than N channels | output shapes, receptive field |
/// | `width=F` | every hidden convolution's output channels and hidden linear layer's units × F, rounded | input, output size, kernels, strides, receptive field |
/// | `global-pool-head` | the fully connected head after the last convolution becomes global average pooling and one linear layer | the convolutional features, the class count |
/// | `no-groups` | grouped convolutions become ungrouped | every shape and receptive field |
public enum Rewrite: Equatable, Sendable, CustomStringConvertible {
    /// `factorize-3x3`: k×k (odd k ≥ 5, stride 1) → (k−1)/2 stacked 3×3 convolutions.
    case factorize3x3
    /// `bottleneck=N`: a 1×1 reduction to `channels` before every large-kernel convolution with
    /// more than `channels` input channels.
    case bottleneck(channels: Int)
    /// `width=F`: hidden channel and unit counts × `factor` (see ``scaledCount(_:factor:multiple:)``).
    case width(factor: Double)
    /// `global-pool-head`: global average pooling and one linear layer replace the FC head.
    case globalPoolHead
    /// `no-groups`: `groups = 1` on every convolution.
    case noGroups

    /// The syntax of every rewrite, as listed in error messages and `--help`.
    public static let syntaxes = ["factorize-3x3", "bottleneck=N", "width=F", "global-pool-head", "no-groups"]

    /// Parses `name` or `name=ARG` (as given to `--rewrite`).
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` listing the valid rewrites.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0].lowercased()
        let argument = parts.count > 1 ? parts[1] : nil
        func fail(_ reason: String) -> ConvKitError {
            .invalidArgument(name: "--rewrite", reason: "\(reason) (valid rewrites: \(Self.syntaxes.joined(separator: ", ")))")
        }
        func noArgument(_ rewrite: Rewrite) throws -> Rewrite {
            guard argument == nil else { throw fail("'\(name)' takes no argument, found '\(trimmed)'") }
            return rewrite
        }
        switch name {
        case "factorize-3x3": self = try noArgument(.factorize3x3)
        case "global-pool-head": self = try noArgument(.globalPoolHead)
        case "no-groups": self = try noArgument(.noGroups)
        case "bottleneck":
            guard let argument, let channels = Int(argument), channels > 0 else {
                throw fail("bottleneck needs a positive channel count, e.g. bottleneck=64, found '\(trimmed)'")
            }
            self = .bottleneck(channels: channels)
        case "width":
            guard let argument, let factor = Double(argument), factor.isFinite, factor > 0 else {
                throw fail("width needs a positive factor, e.g. width=0.5, found '\(trimmed)'")
            }
            self = .width(factor: factor)
        default:
            throw fail("unknown rewrite '\(trimmed)'")
        }
    }

    /// The rewrite as it is written on the command line (`width=0.5`).
    public var description: String {
        switch self {
        case .factorize3x3: return "factorize-3x3"
        case let .bottleneck(channels): return "bottleneck=\(channels)"
        case let .width(factor): return "width=\(Self.format(factor))"
        case .globalPoolHead: return "global-pool-head"
        case .noGroups: return "no-groups"
        }
    }

    /// `0.5`, `2` (no trailing `.0`).
    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The rounding rule of `width=F`: `max(1, Int((Double(n)·F).rounded()))`, ties away from
    /// zero (6·0.5 = 3, 5·0.5 = 2.5 → 3). When the count must be a multiple of `multiple` (the
    /// groups of the convolutions that read it), it is rounded to the nearest multiple instead,
    /// at least one multiple: `multiple · max(1, round(n·F / multiple))`.
    public static func scaledCount(_ n: Int, factor: Double, multiple: Int = 1) -> Int {
        let m = max(multiple, 1)
        let scaled = (Double(n) * factor / Double(m)).rounded()
        guard scaled.isFinite, scaled < Double(Int.max / m) else { return Int.max / m * m }
        return m * max(1, Int(scaled))
    }

    /// Applies this rewrite to `architecture`, analysed at `input` (its default input when `nil`).
    /// - Throws: ``ConvKitError`` when the rewritten model does not fit its input.
    public func apply(to architecture: Architecture, input: Shape? = nil) throws -> RewriteResult {
        let outcome: RewriteOutcome
        let shape = input ?? architecture.input
        switch self {
        case .factorize3x3: outcome = try Factorize3x3().rewrite(architecture.body, input: shape)
        case let .bottleneck(channels): outcome = try Bottleneck(channels: channels).rewrite(architecture.body, input: shape)
        case let .width(factor): outcome = try WidthMultiplier(factor: factor).rewrite(architecture.body, input: shape)
        case .globalPoolHead: outcome = try GlobalPoolHead().rewrite(architecture.body, input: shape)
        case .noGroups: outcome = try NoGroups().rewrite(architecture.body, input: shape)
        }
        switch outcome {
        case let .changed(body, changes):
            let rewritten = Architecture(name: "\(architecture.name)+\(self)", input: architecture.input, body: body,
                                         notes: architecture.notes + ["Rewrite \(self): " + changes.joined(separator: "; ") + "."])
            return RewriteResult(rewrite: self, architecture: rewritten, changes: changes, reasonUnchanged: nil)
        case let .unchanged(reason):
            return RewriteResult(rewrite: self, architecture: architecture, changes: [], reasonUnchanged: reason)
        }
    }

    /// Applies `rewrites` in order; each sees the result of the previous one.
    /// Returns the final architecture and one note per rewrite that did not apply.
    public static func apply(_ rewrites: [Rewrite], to architecture: Architecture,
                             input: Shape? = nil) throws -> (architecture: Architecture, notes: [String]) {
        var current = architecture
        var notes: [String] = []
        for rewrite in rewrites {
            let result = try rewrite.apply(to: current, input: input)
            if let note = result.note(model: current.name) { notes.append(note) }
            current = result.architecture
        }
        return (current, notes)
    }
}

/// What one rewrite did to an architecture.
public struct RewriteResult: Sendable {
    /// The rewrite that was applied.
    public var rewrite: Rewrite
    /// The rewritten architecture (the original, unchanged, when the rewrite did not apply).
    public var architecture: Architecture
    /// One line per changed layer, e.g. `conv2 5×5 → conv2_a, conv2_b (3×3)`.
    public var changes: [String]
    /// Why nothing changed, when nothing did.
    public var reasonUnchanged: String?
    /// Whether the rewrite changed the architecture.
    public var changed: Bool { !changes.isEmpty }

    /// `rewrite 'X' does not apply to MODEL: reason; the model is unchanged`, or `nil` if it applied.
    public func note(model: String) -> String? {
        reasonUnchanged.map { "rewrite '\(rewrite)' does not apply to \(model): \($0); the model is unchanged" }
    }
}

/// The result of one rewrite's walk over the body.
enum RewriteOutcome {
    case changed(Sequential, [String])
    case unchanged(reason: String)
}

/// A rewrite's implementation: the body of a model (with its input shape) to a new body.
protocol ArchitectureRewrite {
    func rewrite(_ body: Sequential, input: Shape) throws -> RewriteOutcome
}
