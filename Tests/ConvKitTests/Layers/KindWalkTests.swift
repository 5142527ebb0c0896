import Testing
@testable import ConvKit

/// Every registered layer kind through every walk: the summary, a gradient check, the identity
/// rebuild and each rewrite, `--batch-norm`/`--dropout` insertion, the receptive-field map and
/// the gradient probes (the YAML round trip is in ``LayerKindsTests``). A kind that one walk does
/// not handle fails here instead of being skipped.
@Suite struct KindWalkTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let type: String
        var testDescription: String { type }
    }

    static let cases = LayerKinds.all.map { Case(type: $0.type) }

    /// The kind's example as a model: merges read two earlier element-wise layers; a kind with
    /// several outputs (a split's chunks) is followed by a concat of all of them, so that every
    /// output reaches the loss.
    static func model(_ type: String) throws -> (Architecture, layer: any Layer) {
        let kind = try #require(LayerKinds.all.first { $0.type == type })
        let (layer, input) = kind.example()
        if layer is any MergeLayer {
            let body = Sequential(name: "", [Tanh("p"), Sigmoid("q"), layer], inputs: [layer.name: ["p", "q"]])
            return (Architecture(name: type, input: input, body: body), layer)
        }
        let graph = try LayerGraph(Sequential(name: "", [layer]))
        let read = Set(graph.nodes.flatMap(\.inputs))
        let unread = graph.nodes.indices.filter { !read.contains($0) && $0 != graph.output }
        if !unread.isEmpty {
            let joined = [graph.nodes[graph.output].path] + unread.map { graph.nodes[$0].path }
            let body = Sequential(name: "", [layer, Concat(name: "all", branches: [])], inputs: ["all": joined])
            return (Architecture(name: type, input: input, body: body), layer)
        }
        return (Architecture(name: type, input: input, layers: [layer]), layer)
    }

    /// Distinct inputs 0.1 apart and away from 0, so that max-pool ties never swap and ReLU's kink
    /// is not crossed under ±ε.
    static func distinct(_ shape: [Int]) -> Tensor {
        var x = Tensor(shape: shape)
        var random = RandomGenerator(seed: 5)
        for (i, j) in random.permutation(x.count).enumerated() { x.storage[i] = Float(j) * 0.1 - 1.05 }
        return x
    }

    @Test(arguments: cases)
    func summaryRowsAndGradients(c: Case) throws {
        let (model, layer) = try Self.model(c.type)
        let summary = try Summary(model)
        #expect(summary.rows.contains { $0.name == layer.name || $0.name.hasPrefix(layer.name + ".") || layer.name.isEmpty })
        // ε = 1e-3: the examples with batch norm and ReLU inside put values near ReLU's kink.
        let results = try GradientCheck.check(model.body, input: model.input, batch: 3, epsilon: 1e-3,
                                              inputValues: Self.distinct([3] + model.input.dimensions))
        #expect(!results.isEmpty)
        for result in results { #expect(result.maxRelativeError < 1e-2, "\(c.type): \(result)") }
    }

    /// Rebuilding with no change keeps every row; every rewrite either applies or says why not.
    @Test(arguments: cases)
    func rebuildAndRewrites(c: Case) throws {
        let (model, _) = try Self.model(c.type)
        let (rebuilt, _) = try LayerTree.map(model.body, input: model.input, path: "") { _ in nil }
        let before = try Summary(model)
        let after = try Summary(Architecture(name: model.name, input: model.input, body: rebuilt))
        #expect(after.rows == before.rows)
        for rewrite in [Rewrite.factorize3x3, .bottleneck(channels: 1), .width(factor: 2), .globalPoolHead, .noGroups] {
            let result = try rewrite.apply(to: model)
            #expect(result.changed || result.reasonUnchanged != nil)
            _ = try Summary(result.architecture)
        }
        // width=2 doubles every hidden convolution inside the kind (none of them sets the output here
        // only when a later layer follows it), and leaves the model output alone.
        let wide = try Rewrite.width(factor: 2).apply(to: model).architecture
        #expect(try Summary(wide).output == before.output)
    }

    /// --batch-norm puts one BatchNorm2d after every convolution (transposed ones too) the kind holds,
    /// --dropout works on it.
    @Test(arguments: cases)
    func batchNormAndDropoutInsertion(c: Case) throws {
        let (model, _) = try Self.model(c.type)
        let convolutions = LayerTree.leaves(model.body).filter { $0 is any ChannelMixing }.count
        let norms = LayerTree.leaves(model.body).filter { $0 is BatchNorm }.count
        let edited = ArchitectureOptions.insertingBatchNorm(model)
        #expect(LayerTree.leaves(edited.body).filter { $0 is BatchNorm }.count == norms + convolutions)
        #expect(try Summary(edited).rows.filter { $0.kind.hasPrefix("BatchNorm") }.count == norms + convolutions)
        _ = try Summary(try ArchitectureOptions.insertingDropout(model, probability: 0.5))
    }

    /// Every spatial output of the kind has a receptive-field map whose unclipped extent is the summary's field.
    @Test(arguments: cases)
    func receptiveFieldMap(c: Case) throws {
        let (model, _) = try Self.model(c.type)
        guard model.input.rank == 3 else { return }
        let summary = try Summary(model)
        for site in try ReceptiveFieldMap.sites(model, input: model.input) where site.output.rank == 3 {
            let map = try ReceptiveFieldMap(model, layer: site.path)
            let row = try #require(summary.rows.first { $0.name == site.path })
            #expect(map.inputMask.unclippedRows.count == row.field.size.height, "\(site.path)")
            #expect(map.inputMask.unclippedColumns.count == row.field.size.width, "\(site.path)")
        }
    }

    /// Every node of the kind gets a gradient probe, and the probed network has the same parameters.
    @Test(arguments: cases)
    func gradientProbes(c: Case) throws {
        let (model, _) = try Self.model(c.type)
        let probed = try GradientProbe.wrap(model, input: model.input)
        let network = try Network(probed, seed: 1)
        let plain = try Network(model, seed: 1)
        #expect(GradientProbe.probes(in: network.root).count == (try Summary(model)).rows.count)
        #expect(network.parameters.map(\.name) == plain.parameters.map(\.name))
        var context = RunContext(training: true)
        let y = try network.forward(Self.distinct([2] + model.input.dimensions), &context)
        try network.backward(y, &context)
        #expect(GradientProbe.probes(in: network.root).allSatisfy { $0.outputGradient.count == y.count / y.shape[0] * 2 || $0.outputGradient.count > 0 })
    }
}
