import Foundation
import Testing
@testable import ConvKit

/// Gradient norms at initialisation: vanishing gradients in deep sigmoid MLPs, not in ReLU ones.
@Suite struct GradientFlowTests {
    static func mlp(_ activation: String, initialisation: String = "default") throws -> GradientFlow {
        try GradientFlowReport.compute(.init(activation: activation, depth: 10, width: 32, initialisation: initialisation, batch: 64, seed: 1))
    }

    /// 10 linear layers of width 32 with sigmoid: every sigmoid multiplies the backward signal by
    /// σ′ ≤ 1/4, so ‖∂L/∂W‖ of fc1 is far (≥ 100×) below that of fc10 (seed 1 gives ≈ 4·10⁶×).
    @Test func sigmoidGradientsVanish() throws {
        let flow = try Self.mlp("sigmoid")
        #expect(flow.rows.filter(\.isWeighted).map(\.name) == (1...10).map { "fc\($0)" })
        #expect(flow.firstWeighted?.name == "fc1" && flow.lastWeighted?.name == "fc10")
        let ratio = try #require(flow.lastToFirstRatio)
        #expect(ratio >= 100, "last / first = \(ratio)")
        // ∂L/∂y shrinks at every step back from the output.
        let outputGradients = flow.rows.filter(\.isWeighted).map(\.outputGradientNorm)
        #expect(zip(outputGradients, outputGradients.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// The same network with ReLU and PyTorch's default init keeps the ratio within 100×.
    @Test func reluGradientsDoNotVanish() throws {
        let ratio = try #require(try Self.mlp("relu").lastToFirstRatio)
        #expect(ratio < 100 && ratio > 0.01, "last / first = \(ratio)")
    }

    /// Small weights (× 0.1) shrink the backward signal at every layer: the ratio grows by orders of magnitude.
    @Test func smallInitialisationVanishesToo() throws {
        let normal = try #require(try Self.mlp("relu").lastToFirstRatio)
        let small = try #require(try Self.mlp("relu", initialisation: "small").lastToFirstRatio)
        #expect(small > 1000 * normal)
    }

    /// The probes are transparent: the parameter gradients equal those of the plain network, and
    /// ∂L/∂y of the last layer is ‖(softmax(z) − onehot(y))/N‖ computed directly from the logits.
    @Test func normsMatchAPlainNetwork() throws {
        let architecture = try GradientFlow.mlp(depth: 3, width: 8, activation: .tanh, input: [12], classes: 4)
        let batch = try loadGradientBatch(dataset: nil, dataDirectory: nil, count: 5, input: [12], classes: 4, seed: 3)
        let flow = try GradientFlow(architecture, batch: batch, seed: 7)

        let network = try Network(architecture, seed: 7)
        var context = RunContext(training: true)
        let logits = try network.forward(batch.inputs, &context)
        let (loss, gradient, _) = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: batch.labels)
        network.zeroGradients()
        try network.backward(gradient, &context)
        func norm(_ v: [Float]) -> Double { v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        #expect(flow.loss == loss)
        for row in flow.rows where row.isWeighted {
            #expect(row.weightGradientNorm == norm(try #require(network.parameter(named: row.name + ".weight")).gradient.storage))
            #expect(row.biasGradientNorm == norm(try #require(network.parameter(named: row.name + ".bias")).gradient.storage))
        }
        #expect(flow.rows.last?.outputGradientNorm == norm(gradient.storage))
        #expect(flow.rows.map(\.name) == ["flatten", "fc1", "act1", "fc2", "act2", "fc3"])
    }

    @Test func modelActivationsAreReplaced() throws {
        let (model, count) = try GradientFlow.replacingActivations(try ModelSource.resolve("lenet5"), with: .sigmoid)
        #expect(count == 4)
        let flow = try GradientFlow(model, batch: try loadGradientBatch(dataset: "random", dataDirectory: nil, count: 4, input: [3, 32, 32], classes: 10, seed: 1))
        #expect(flow.rows.filter { $0.kind == "Sigmoid" }.map(\.name) == ["relu1", "relu2", "relu3", "relu4"])
        #expect(flow.rows.first { $0.name == "conv1" }?.weightGradientNorm ?? 0 > 0)
    }

    @Test func datasetBatchIsNormalisedTrainingImages() throws {
        let batch = try loadGradientBatch(dataset: "shapes", dataDirectory: nil, count: 3, input: [3, 32, 32], classes: 10, seed: 1)
        #expect(batch.inputs.shape == [3, 3, 32, 32])
        #expect(batch.labels.count == 3)
        // (x/255 − 0.5)/0.5 lies in [−1, 1].
        #expect(batch.inputs.storage.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func errors() throws {
        let dataset = expectConvKitError { _ = try loadGradientBatch(dataset: "cifar10", dataDirectory: "/nonexistent", count: 4, input: [3, 32, 32], classes: 10, seed: 1) }
        #expect(dataset?.description.contains("CIFAR-10 not found") == true)
        let shape = expectConvKitError { _ = try loadGradientBatch(dataset: "shapes", dataDirectory: nil, count: 4, input: [1, 28, 28], classes: 10, seed: 1) }
        #expect(shape == .shapeMismatch(layer: "network input", expected: "1×28×28", found: "3×32×32 images in shapes"))
        let spatial = expectConvKitError { _ = try GradientFlowReport.compute(.init(model: Repository.path("examples/receptive-field.yaml"))) }
        #expect(spatial?.description == "invalid value for MODEL_OR_SPEC: receptive-field ends in 32×8×8, not a vector of class scores: softmax cross-entropy needs one")
        let both = expectConvKitError { _ = try GradientFlowReport.compute(.init(model: "lenet5", depth: 3)) }
        #expect(both?.description.contains("give either them or MODEL_OR_SPEC") == true)
        let depth = expectConvKitError { _ = try GradientFlowReport.compute(.init(depth: 0)) }
        #expect(depth?.description.contains("--depth") == true)
        let activation = expectConvKitError { _ = try GradientFlowReport.compute(.init(activation: "softsign")) }
        #expect(activation?.description.contains("'softsign' is not one of sigmoid, tanh, relu, relu6, leakyrelu, gelu, silu, hardswish") == true)
    }

    @Test func svgChartIsWrittenAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-gradients-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("chart.svg").path
        _ = try GradientFlowReport.run(.init(activation: "sigmoid", depth: 4, width: 8, batch: 8, svg: path))
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        // 4 weighted layers × 3 bars (W, b, y), each with a <title>.
        #expect(svg.components(separatedBy: "<title>").count - 1 == 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["chart.svg"])
    }
}
