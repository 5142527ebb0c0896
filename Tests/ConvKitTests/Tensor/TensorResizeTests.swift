import Testing
@testable import ConvKit

@Suite struct TensorResizeTests {
    @Test func resizeKeepsValuesAndReusesStorage() throws {
        var t = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let base = t.storage.withUnsafeBufferPointer { $0.baseAddress }
        try t.resize(to: [1, 2])
        #expect(t.shape == [1, 2])
        #expect(t.storage == [1, 2])
        try t.resize(to: [3, 2])  // back to 6 elements: the added ones are zero
        #expect(t.storage == [1, 2, 0, 0, 0, 0])
        #expect(t.storage.withUnsafeBufferPointer { $0.baseAddress } == base)  // no reallocation
        #expect(expectConvKitError { try t.resize(to: [-1, 2]) } == .invalidArgument(name: "tensor shape", reason: "[-1, 2] has a negative dimension"))
    }
}
