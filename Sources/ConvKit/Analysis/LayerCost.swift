/// The per-example cost of one leaf layer. Conventions (also in the README):
/// - `units`: output elements of the layer for one example;
/// - `weights`: multiplicative parameters (conv/linear kernels, BatchNorm γ, subsampling coefficients);
/// - `biases`: additive parameters (biases, BatchNorm β); `params = weights + biases`;
///   BatchNorm running statistics are buffers, not parameters;
/// - `macs`: multiply-accumulates of weighted layers, bias excluded (fvcore's count);
/// - `connections`: for every output unit, the inputs wired to it plus one for its bias,
///   summed (LeCun et al. 1998). Element-wise layers (activations, batch norm, dropout,
///   flatten, concatenation) belong to the units they follow and add no connections.
public struct LayerCost: Equatable, Sendable {
    public var units: Count
    public var weights: Count
    public var biases: Count
    public var macs: Count
    public var connections: Count
    /// Operations outside the MAC convention that other tools count (``CountedOperation``), with
    /// their arithmetic; added to `macs` only on request (`convkit summary --count`).
    public var extraOperations: [CountedOperation: Count] = [:]

    public init(units: Count, weights: Count = .zero, biases: Count = .zero, macs: Count = .zero, connections: Count = .zero) {
        self.units = units
        self.weights = weights
        self.biases = biases
        self.macs = macs
        self.connections = connections
    }

    /// weights + biases.
    public var params: Int { weights.value + biases.value }
    /// units × 4 bytes (float32). ``Summary`` checks that this does not overflow.
    public var activationBytes: Int { units.value &* 4 }
    /// params × 4 bytes (float32).
    public var parameterBytes: Int { params &* 4 }

    /// Cost of a layer that computes each output from one input (activations, dropout, …):
    /// only its units.
    public static func elementwise(output: Shape) throws -> LayerCost {
        LayerCost(units: try Count.units(of: output, "units"))
    }

    /// `connections = MACs + one bias addition per unit` (when the layer has a bias).
    public static func weightedConnections(macs: Count, units: Count, hasBias: Bool) throws -> Count {
        guard hasBias else { return macs }
        return try Count.sum(macs, units, "connections")
    }
}
