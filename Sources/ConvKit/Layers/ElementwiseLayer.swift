/// A layer that maps each input element to one output element of the same shape
/// (activations, dropout). Cost: units only, no parameters, no connections (it belongs to
/// the units it follows, as LeCun's squashing function does); receptive field unchanged.
public protocol ElementwiseLayer: LeafLayer {}

extension ElementwiseLayer {
    public func outputShape(for input: Shape, path: String) throws -> Shape { input }
    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        try LayerCost.elementwise(output: output)
    }
}
