/// A dense float32 tensor, contiguous and row-major (activations NCHW, conv weights OIHW,
/// linear weights `[out, in]`). A value type: copies share storage until one is written.
public struct Tensor: Sendable, Equatable {
    /// Sizes of each dimension, outermost first, e.g. `[N, C, H, W]`.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `storage.count == shape.product`.
    public var storage: [Float]

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        self.storage = Array(repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor with the given elements; throws if their count does not match the shape.
    public init(shape: [Int], values: [Float]) throws {
        let count = try Checked.product(shape, "tensor of shape \(shape)")
        guard values.count == count, shape.allSatisfy({ $0 >= 0 }) else {
            throw ConvKitError.invalidArgument(name: "tensor values", reason: "shape \(shape) needs \(count) values, found \(values.count)")
        }
        self.shape = shape
        self.storage = values
    }

    /// Number of elements.
    public var count: Int { storage.count }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, values: storage)
    }

    /// Changes the shape in place; the element count must stay the same.
    public mutating func reshape(_ newShape: [Int]) throws {
        guard newShape.reduce(1, *) == storage.count else {
            throw ConvKitError.invalidArgument(name: "tensor shape", reason: "cannot view \(shape) (\(storage.count) values) as \(newShape)")
        }
        shape = newShape
    }

    /// Changes the shape to `newShape`, allowing a different element count, and reuses the
    /// storage's capacity: growing back to at most the largest size this storage has held
    /// allocates nothing (as with a batch buffer that shrinks for an epoch's partial last batch
    /// and grows again for the next full one). Elements below the new count keep their values;
    /// added elements are zero. Meant for buffers that are about to be overwritten.
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` for a negative dimension,
    ///   ``ConvKitError/overflow(what:)`` if the element count does not fit in `Int`.
    public mutating func resize(to newShape: [Int]) throws {
        guard newShape.allSatisfy({ $0 >= 0 }) else {
            throw ConvKitError.invalidArgument(name: "tensor shape", reason: "\(newShape) has a negative dimension")
        }
        let count = try Checked.product(newShape, "tensor of shape \(newShape)")
        if count < storage.count {
            storage.removeLast(storage.count - count)
        } else if count > storage.count {
            storage.append(contentsOf: repeatElement(0, count: count - storage.count))
        }
        shape = newShape
    }
}
