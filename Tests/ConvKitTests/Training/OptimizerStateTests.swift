import Foundation
import Testing
@testable import ConvKit

/// Each optimizer declares its state slots; the resumable checkpoint writes, reads and checks
/// state from that declaration alone. The references here are the code as it was before: Adam's
/// scalar loop, and the checkpoint's per-kind writer and reader, copied verbatim apart from names.
@Suite struct OptimizerStateTests {
    // MARK: The former code, kept as the reference

    /// Adam's step before it had a kernel (state keyed `<param>.exp_avg`, `.exp_avg_sq`, `.step`).
    static func formerAdamStep(_ parameters: [Parameter], state: inout [String: [Float]], learningRate: Double, beta1: Double = 0.9,
                               beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double) {
        for p in parameters where p.isTrainable {
            let count = p.value.count
            var m = state[p.name + ".exp_avg"] ?? [Float](repeating: 0, count: count)
            var v = state[p.name + ".exp_avg_sq"] ?? [Float](repeating: 0, count: count)
            let t = Double((state[p.name + ".step"]?.first ?? 0) + 1)
            let correction1 = 1 - Foundation.pow(beta1, t), correction2 = 1 - Foundation.pow(beta2, t)
            let stepSize = Float(learningRate / correction1)
            let (b1, b2, eps, wd) = (Float(beta1), Float(beta2), Float(epsilon), Float(weightDecay))
            let rootCorrection2 = Float(correction2.squareRoot())
            for i in 0..<count {
                let g = p.gradient.storage[i] + wd * p.value.storage[i]
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                p.value.storage[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
            }
            if let mask = p.mask { for i in 0..<count { p.value.storage[i] *= mask[i] } }
            state[p.name + ".exp_avg"] = m
            state[p.name + ".exp_avg_sq"] = v
            state[p.name + ".step"] = [Float(t)]
        }
    }

    /// The checkpoint's state writer before the slots (SGD's state keyed by the bare parameter name).
    static func formerStateEntries(_ state: [String: [Float]], kind: TrainingOptions.OptimizerKind, network: Network) throws -> [SafeTensors.Entry] {
        try state.keys.sorted().compactMap { key in
            guard let values = state[key] else { return nil }
            let (name, base) = kind == .sgd ? (key + ".momentum_buffer", key) : (key, String(key[..<(key.lastIndex(of: ".") ?? key.endIndex)]))
            guard let parameter = network.parameter(named: base) else {
                throw ConvKitError.invalidArgument(name: "optimizer state", reason: "'\(key)' belongs to no parameter of the network")
            }
            let shape = key.hasSuffix(".step") && kind == .adam ? [] : parameter.value.shape
            return SafeTensors.Entry(name: ResumableCheckpoint.statePrefix + name, shape: shape, values: values)
        }
    }

    /// The checkpoint's state reader before the slots.
    static func formerOptimizerState(_ file: SafeTensors, kind: TrainingOptions.OptimizerKind, network: Network, path: String) throws -> [String: [Float]] {
        let statePrefix = ResumableCheckpoint.statePrefix
        var state: [String: [Float]] = [:]
        let suffixes = kind == .sgd ? [".momentum_buffer"] : [".exp_avg", ".exp_avg_sq", ".step"]
        for entry in file.entries where entry.name.hasPrefix(statePrefix) && network.parameter(named: entry.name) == nil {
            let rest = String(entry.name.dropFirst(statePrefix.count))
            guard let suffix = suffixes.first(where: { rest.hasSuffix($0) }),
                  let parameter = network.parameter(named: String(rest.dropLast(suffix.count))), parameter.isTrainable else {
                throw ConvKitError.corruptFile(file: path, reason: "tensor '\(entry.name)' is not \(kind) state of a trainable parameter (expected optimizer.<param>\(suffixes.joined(separator: " or ")))")
            }
            let expected = suffix == ".step" ? 1 : parameter.value.count
            guard entry.values.count == expected else {
                throw ConvKitError.corruptFile(file: path, reason: "tensor '\(entry.name)' has \(entry.values.count) values, expected \(expected)")
            }
            state[kind == .sgd ? String(rest.dropLast(suffix.count)) : rest] = entry.values
        }
        if !state.isEmpty {
            for parameter in network.trainableParameters {
                for suffix in suffixes where state[kind == .sgd ? parameter.name : parameter.name + suffix] == nil {
                    throw ConvKitError.corruptFile(file: path, reason: "missing optimizer state tensor '\(statePrefix)\(parameter.name)\(suffix)'")
                }
            }
        }
        return state
    }

    /// The former in-memory keys of `state`: SGD's without `.momentum_buffer`, Adam's unchanged.
    static func formerKeys(_ state: [String: [Float]], kind: TrainingOptions.OptimizerKind) -> [String: [Float]] {
        guard kind == .sgd else { return state }
        return Dictionary(uniqueKeysWithValues: state.map { (String($0.key.dropLast(".momentum_buffer".count)), $0.value) })
    }

    // MARK: Fixtures

    /// Parameters of odd sizes (vector body and scalar tail), one masked, one a buffer.
    static func parameters() throws -> [Parameter] {
        let mask = (0..<37).map { Float($0 % 5 == 2 ? 0 : 1) }
        var random = RandomGenerator(seed: 11)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in random.nextNormal() } }
        return [
            Parameter(name: "conv.weight", value: try Tensor(shape: [37], values: values(37).enumerated().map { $0.element * mask[$0.offset] }), mask: mask),
            Parameter(name: "conv.bias", value: try Tensor(shape: [1], values: values(1))),
            Parameter(name: "fc.weight", value: try Tensor(shape: [3, 3], values: values(9))),
            Parameter(name: "bn.running_mean", value: try Tensor(shape: [2], values: values(2)), isTrainable: false),
        ]
    }

    static func setGradients(_ parameters: [Parameter], step: Int) {
        var random = RandomGenerator(seed: 100 + UInt64(step))
        for p in parameters where p.isTrainable {
            for i in 0..<p.gradient.count { p.gradient.storage[i] = random.nextNormal() * Float(step) }
        }
    }

    // MARK: Slots and keys

    @Test func optimizersDeclareTheirSlots() throws {
        #expect(SGD(learningRate: 0.1, momentum: 0.9).stateSlots == [OptimizerStateSlot("momentum_buffer", .parameter)])
        #expect(SGD(learningRate: 0.1).stateSlots.isEmpty)
        #expect(Adam().stateSlots.map(\.suffix) == ["exp_avg", "exp_avg_sq", "step"])
        #expect(Adam().stateSlots.map(\.shape) == [.parameter, .parameter, .scalar])
        let slot = OptimizerStateSlot("step", .scalar)
        #expect(slot.key(for: "fc.weight") == "fc.weight.step" && slot.count(parameterCount: 9) == 1 && slot.tensorShape(parameterShape: [3, 3]) == [])
        // The one place an optimizer is made from the options.
        var options = TrainingOptions()
        options.optimizer = .adam
        #expect(options.makeOptimizer().stateSlots == Adam.slots)
    }

    /// State is keyed `<param>.<suffix>` for every trainable parameter and slot; SGD without
    /// momentum keeps none.
    @Test func stateIsKeyedByParameterAndSuffix() throws {
        for (optimizer, suffixes) in [(SGD(learningRate: 0.1, momentum: 0.9), ["momentum_buffer"]), (SGD(learningRate: 0.1), []),
                                      (Adam(), ["exp_avg", "exp_avg_sq", "step"])] as [(any Optimizer, [String])] {
            let parameters = try Self.parameters()
            Self.setGradients(parameters, step: 1)
            optimizer.step(parameters)
            let expected = parameters.filter(\.isTrainable).flatMap { p in suffixes.map { p.name + "." + $0 } }
            #expect(optimizer.state.keys.sorted() == expected.sorted())
        }
    }

    // MARK: SGD's one-region step against its per-parameter step

    /// Four steps of ``SGD/step(_:threads:)`` (all parameters in one parallel region) give the
    /// weights and velocities of ``SGD/applySingle(_:state:)`` on each parameter in turn, bit for
    /// bit, for 1 to 3 threads; one parameter is large enough for the region to be split, and one
    /// starts from velocity of the wrong size (which restarts at zero).
    @Test(arguments: [1, 2, 3], [0.9, 0.0])
    func sgdStepMatchesPerParameterUpdates(threads: Int, momentum: Double) throws {
        func make() throws -> [Parameter] {
            var random = RandomGenerator(seed: 5)
            return try Self.parameters() + [Parameter(name: "big.weight", value: try Tensor(shape: [17, 1001], values: (0..<17_017).map { _ in random.nextNormal() }))]
        }
        let (current, former) = (try make(), try make())
        let sgd = SGD(learningRate: 0.05, momentum: momentum, nesterov: momentum != 0, weightDecay: 0.01)
        let reference = SGD(learningRate: 0.05, momentum: momentum, nesterov: momentum != 0, weightDecay: 0.01)
        if momentum != 0 { sgd.state["fc.weight.momentum_buffer"] = [1, 2] }
        var formerState: [String: [Float]] = [:]
        for step in 1...4 {
            Self.setGradients(current, step: step)
            Self.setGradients(former, step: step)
            sgd.step(current, threads: threads)
            for p in former where p.isTrainable {
                let key = p.name + ".momentum_buffer"
                var state = momentum == 0 ? [] : [formerState[key] ?? [Float](repeating: 0, count: p.value.count)]
                reference.applySingle(p, state: &state)
                if momentum != 0 { formerState[key] = state[0] }
            }
        }
        for (a, b) in zip(current, former) {
            #expect(a.value.storage.map(\.bitPattern) == b.value.storage.map(\.bitPattern), "\(a.name)")
        }
        #expect(sgd.state.mapValues { $0.map(\.bitPattern) } == formerState.mapValues { $0.map(\.bitPattern) })
    }

    // MARK: Adam against its former scalar loop

    /// Four steps of the kernel-backed Adam give the former loop's weights and state bit for bit,
    /// with and without weight decay (masked weights stay zero, buffers are untouched).
    @Test(arguments: [0.0, 0.01])
    func adamMatchesTheFormerScalarLoop(weightDecay: Double) throws {
        let (current, former) = (try Self.parameters(), try Self.parameters())
        let adam = Adam(learningRate: 0.01, weightDecay: weightDecay)
        var formerState: [String: [Float]] = [:]
        for step in 1...4 {
            Self.setGradients(current, step: step)
            Self.setGradients(former, step: step)
            adam.step(current)
            Self.formerAdamStep(former, state: &formerState, learningRate: 0.01, weightDecay: weightDecay)
        }
        for (a, b) in zip(current, former) {
            #expect(a.value.storage.map(\.bitPattern) == b.value.storage.map(\.bitPattern), "\(a.name)")
        }
        #expect(adam.state.mapValues { $0.map(\.bitPattern) } == formerState.mapValues { $0.map(\.bitPattern) })
        #expect(adam.state["fc.weight.step"] == [4])
        #expect(try Self.parameters()[0].value.storage != current[0].value.storage)
        #expect(zip(current[0].value.storage, current[0].mask ?? []).allSatisfy { $1 != 0 || $0 == 0 })
    }

    // MARK: The checkpoint format

    struct Run: Sendable, CustomTestStringConvertible {
        let kind: TrainingOptions.OptimizerKind
        let momentum: Double
        var testDescription: String { "\(kind), momentum \(momentum)" }
    }

    static let runs = [Run(kind: .sgd, momentum: 0.9), Run(kind: .sgd, momentum: 0), Run(kind: .adam, momentum: 0.9)]

    /// LeNet-5 (a masked convolution) after two steps of the run's optimizer, its request and file.
    static func checkpoint(_ run: Run) throws -> (network: Network, optimizer: any Optimizer, request: TrainingRequest, file: SafeTensors) {
        let network = try Network(Zoo.lenet5(), seed: 3)
        var request = TrainingRequest(model: "lenet5", dataset: "cifar10")
        request.options.optimizer = run.kind
        request.options.momentum = run.momentum
        let optimizer = request.options.makeOptimizer()
        for step in 1...2 {
            Self.setGradients(network.parameters, step: step)
            optimizer.step(network.parameters)
        }
        let file = try ResumableCheckpoint.contents(network: network, optimizer: optimizer, request: request,
                                                    position: .boundary(epoch: 1, random: RandomGenerator(seed: 4)), metrics: [],
                                                    normalization: .half, classes: CIFAR10.standardClassNames, trainImages: 50)
        return (network, optimizer, request, file)
    }

    /// The file's bytes equal those the former per-kind writer gives for the same state, and
    /// the state tensors come in the same order.
    @Test(arguments: runs)
    func checkpointBytesAreThoseOfTheFormerWriter(run: Run) throws {
        let (network, optimizer, _, file) = try Self.checkpoint(run)
        var former = file
        former.entries.removeAll { $0.name.hasPrefix(ResumableCheckpoint.statePrefix) }
        let formerEntries = try Self.formerStateEntries(Self.formerKeys(optimizer.state, kind: run.kind), kind: run.kind, network: network)
        former.entries += formerEntries
        #expect(try file.serialized() == former.serialized())
        let stateEntries = file.entries.filter { $0.name.hasPrefix(ResumableCheckpoint.statePrefix) }
        #expect(stateEntries.map(\.name) == formerEntries.map(\.name))
        #expect(stateEntries.map(\.shape) == formerEntries.map(\.shape))
        #expect(stateEntries.count == network.trainableParameters.count * optimizer.stateSlots.count)
        if run.kind == .adam { #expect(stateEntries.contains { $0.name == "optimizer.conv1.weight.step" && $0.shape == [] && $0.values == [2] }) }
    }

    /// Damaged files: the reader accepts what the former reader accepted, with the same state,
    /// and refuses what it refused, with the same message (SGD without momentum: see below).
    @Test(arguments: runs)
    func readerAgreesWithTheFormerReader(run: Run) throws {
        let (network, optimizer, request, file) = try Self.checkpoint(run)
        let slots = request.options.makeOptimizer().stateSlots
        var damaged: [(String, SafeTensors)] = [("intact", file)]
        if let first = file.entries.firstIndex(where: { $0.name.hasPrefix(ResumableCheckpoint.statePrefix) }) {
            var missing = file
            missing.entries.remove(at: first)
            damaged.append(("missing", missing))
            var short = file
            short.entries[first].values.removeLast()
            damaged.append(("wrong count", short))
        }
        // Well-sized tensors that are (Adam) or are not (SGD) state of the run's optimizer.
        let weights = try #require(network.parameter(named: "conv1.weight")).value
        for name in ["optimizer.conv1.weight.exp_avg", "optimizer.conv1.weight.momentum_buffer", "optimizer.nothing.exp_avg_sq"] {
            var extra = file
            extra.entries.removeAll { $0.name == name }
            extra.entries.append(SafeTensors.Entry(name: name, shape: weights.shape, values: [Float](repeating: 0.5, count: weights.count)))
            damaged.append(("extra \(name)", extra))
        }
        for (label, candidate) in damaged {
            let current = Result { try ResumableCheckpoint.optimizerState(candidate, slots: slots, kind: run.kind, network: network, path: "p") }
            let former = Result { try Self.formerOptimizerState(candidate, kind: run.kind, network: network, path: "p") }
            // The one departure: SGD without momentum keeps no state, so its reader says so, and a
            // momentum buffer in its checkpoint is not its state either (the former reader took it
            // for state, then found the other parameters' buffers missing).
            let noState = run.kind == .sgd && run.momentum == 0
            if noState && label == "extra optimizer.conv1.weight.momentum_buffer" {
                #expect(throws: ConvKitError.corruptFile(file: "p", reason: "tensor 'optimizer.conv1.weight.momentum_buffer' is not sgd state of a trainable parameter (this sgd keeps no state)")) {
                    try current.get()
                }
                #expect(throws: ConvKitError.corruptFile(file: "p", reason: "missing optimizer state tensor 'optimizer.conv1.bias.momentum_buffer'")) {
                    try former.get()
                }
                continue
            }
            switch (current, former) {
            case let (.success(state), .success(formerState)):
                #expect(Self.formerKeys(state, kind: run.kind) == formerState, "\(label)")
                if label == "intact" { #expect(state == optimizer.state) }
            case let (.failure(error), .failure(formerError)):
                var expected = formerError as? ConvKitError
                if noState, case let .corruptFile(file, reason)? = expected {
                    expected = .corruptFile(file: file, reason: reason.replacingOccurrences(of: "(expected optimizer.<param>.momentum_buffer)",
                                                                                          with: "(this sgd keeps no state)"))
                }
                #expect(error as? ConvKitError == expected, "\(label)")
                #expect(label != "intact")
            default:
                Issue.record("\(label): \(current) vs \(former)")
            }
        }
        #expect(damaged.count == (optimizer.stateSlots.isEmpty ? 4 : 6))
    }

    /// A state key of no parameter is refused when writing, as before.
    @Test func stateOfNoParameterIsRefused() throws {
        let (network, optimizer, _, _) = try Self.checkpoint(Run(kind: .adam, momentum: 0))
        optimizer.state["ghost.weight.exp_avg"] = [0]
        let error = expectConvKitError { _ = try ResumableCheckpoint.stateEntries(optimizer, network: network) }
        #expect(error == .invalidArgument(name: "optimizer state", reason: "'ghost.weight.exp_avg' belongs to no parameter of the network"))
    }
}
