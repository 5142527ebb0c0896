import Foundation

/// The logic of `convkit predict`: the logits of a trained network on inputs given as a tensor.
///
/// ```
/// convkit predict WEIGHTS [--model MODEL_OR_SPEC] --inputs X.safetensors [--out Y.safetensors] [--format csv] [--threads N]
/// ```
/// - `WEIGHTS`: a ConvKit checkpoint (architecture from its metadata), or any safetensors
///   `state_dict` under PyTorch's names (e.g. `save_file(model.state_dict(), …)`, with
///   `num_batches_tracked` as I64) together with `--model` (zoo name or spec file), which also
///   overrides a checkpoint's own architecture, as in `convkit evaluate`
///   (``Checkpoint/load(_:model:)``).
/// - `X`: one F32 tensor `input`, `N×C×H×W` (or `N×F`), used as it is: no normalisation. The
///   network is instantiated for the per-example shape `C×H×W` (C must be the model's channels;
///   H×W may differ from the model's own size where the architecture allows, e.g. with a global
///   pooling head), and the weights must have the same shapes there.
/// - `Y`: one F32 tensor `logits`, `[N, classes]` (or `[N] + output` for a model whose output is not a
///   vector, e.g. U-Net's `N×2×388×388` class maps), computed in evaluation mode (running BatchNorm
///   statistics, no dropout), written atomically (``SafeTensors/write(to:)``).
/// - `--format csv`: one header line `index,argmax,logit0,…` and one row per example (see
///   ``csv(_:)``); only for a vector of class scores.
public enum Prediction {
    /// The name of the output tensor.
    public static let outputTensorName = "logits"
    /// Examples per forward pass: the batch is run in slices of this many examples, so activation
    /// memory is bounded whatever N is. It is a multiple of the slice a chain runs in evaluation
    /// mode (64 examples), so the slices start where ``Network/forward(_:_:)`` on the whole batch
    /// would start its own and the logits are bit-identical to that call's. (Slices of other
    /// sizes give the same logits to within rounding, not bit for bit: the kernels' blocking
    /// depends on the batch size.)
    public static let sliceSize = 512

    /// What ``run(weights:model:inputs:out:format:threads:)`` computed.
    public struct Result {
        /// Logits `[N, classes]` (row-major, example by example), evaluation mode.
        public var logits: Tensor
        /// The network that computed them (instantiated for the inputs' per-example shape).
        public var network: Network
        /// The CSV text (``csv(_:)``) when `format` was `.csv`, else nil.
        public var csv: String?
    }

    /// Runs `convkit predict`: checks the arguments and the output folder first, reads the
    /// inputs (``readInputs(_:)``), loads the network (``network(weights:model:inputShape:inputs:)``),
    /// checks the memory, computes the logits (``logits(of:inputs:threads:slice:)``), writes
    /// `out` (tensor `logits` `[N, classes]`, atomically) and renders the CSV.
    ///
    /// - Parameters:
    ///   - weights: the checkpoint or state_dict file (`WEIGHTS`).
    ///   - model: `--model`, a zoo name or spec file; required for a file without ConvKit metadata.
    ///   - inputs: the inputs file (`--inputs`).
    ///   - out: the logits file to write (`--out`); its folder must exist.
    ///   - format: `--format`; only `.csv` is accepted. At least one of `out` and `format` is needed.
    ///   - threads: kernel threads (≥ 1); results are bit-identical for the same count.
    ///   - slice: examples per forward pass (``sliceSize``); keep it a multiple of 64 for logits
    ///     bit-identical to one ``Network/forward(_:_:)`` of the whole batch.
    /// - Throws: ``ConvKitError`` naming the file, the tensor and what was expected; nothing is
    ///   written when anything fails.
    public static func run(weights: String, model: String? = nil, inputs: String, out: String? = nil,
                           format: OutputFormat? = nil, threads: Int = 1, slice: Int = sliceSize) throws -> Result {
        guard threads >= 1 else { throw ConvKitError.invalidArgument(name: "--threads", reason: "must be at least 1, found \(threads)") }
        if let format, format != .csv {
            throw ConvKitError.invalidArgument(name: "--format", reason: "predict prints csv (the logits go to --out as safetensors), found '\(format.rawValue)'")
        }
        guard out != nil || format != nil else {
            throw ConvKitError.invalidArgument(name: "--out", reason: "nothing to do: give --out Y.safetensors, --format csv, or both")
        }
        if let out { try checkOutputPath(out) }
        let x = try readInputs(inputs)
        let network = try network(weights: weights, model: model, inputShape: x.shape, inputs: inputs)
        if format == .csv && network.output.rank != 1 {
            throw ConvKitError.invalidArgument(name: "--format", reason: "csv lists a vector of class scores per example, but model '\(network.architecture.name)' outputs \(network.output) per example: write the tensor with --out")
        }
        try requireMemory(network, examples: x.batch, slice: slice)
        let logits = try logits(of: network, inputs: x, threads: threads, slice: slice)
        if let out {
            try SafeTensors(entries: [SafeTensors.Entry(name: outputTensorName, tensor: logits)]).write(to: out)
        }
        return Result(logits: logits, network: network, csv: format == .csv ? csv(logits) : nil)
    }

    /// The network of `weights` (with `model` overriding or supplying its architecture, see
    /// ``Checkpoint/load(_:model:)``), instantiated for inputs of shape `inputShape`
    /// (`[N, C, H, W]` or `[N, F]`; the per-example part is what matters) with the weights loaded
    /// strictly (missing, unexpected and mis-shaped tensors are refused by name).
    ///
    /// The weights are first loaded at the architecture's own input shape; when the inputs'
    /// per-example shape differs, the architecture is instantiated again for it and the weights
    /// copied over, which requires the same channels (or features) and the same parameter shapes
    /// there. `inputs` names the inputs file in errors, which say the tensor's shape, what the
    /// model expects and the layout (`N×C×H×W`).
    public static func network(weights: String, model: String?, inputShape: [Int], inputs: String) throws -> Network {
        let loaded = try Checkpoint.load(weights, model: model).network
        let own = loaded.input
        let name = loaded.architecture.name
        let example = Shape(Array(inputShape.dropFirst()))
        let layout = own.rank == 3 ? "N×C×H×W" : own.rank == 1 ? "N×F" : "N×" + own.dimensions.map { _ in "D" }.joined(separator: "×")
        func misfit(_ reason: String) -> ConvKitError {
            .fileError(file: inputs, reason: "tensor '\(inputTensorName)' has shape \(inputShape): \(reason); the input shape is \(layout), model '\(name)' takes N×\(own)")
        }
        guard example.rank == own.rank else {
            throw misfit("rank \(inputShape.count), expected rank \(own.rank + 1)")
        }
        guard example.dimensions.first == own.dimensions.first else {
            let what = own.rank == 3 ? "channels" : own.rank == 1 ? "features" : "as its first dimension"
            throw misfit("model '\(name)' expects \(own.dimensions.first ?? 0) \(what), found \(example.dimensions.first ?? 0)")
        }
        guard example != own else { return loaded }
        let resized: Network
        do {
            resized = try Network(loaded.architecture, input: example, seed: 0)
        } catch let error as ConvKitError {
            switch error {
            case .shapeMismatch, .invalidLayer: throw misfit("model '\(name)' does not fit \(example) examples (\(error))")
            default: throw error
            }
        }
        for parameter in resized.parameters {
            guard let source = loaded.parameter(named: parameter.name) else {
                throw misfit("at \(example) the model has a tensor '\(parameter.name)' that the weights (for \(own)) do not")
            }
            guard source.value.shape == parameter.value.shape else {
                throw misfit("at \(example) the model's '\(parameter.name)' has shape \(parameter.value.shape), the weights (for \(own)) have \(source.value.shape)")
            }
            parameter.value.storage = source.value.storage
        }
        return resized
    }

    /// The outputs of `network` for `inputs` (`[N] + network.input`), in evaluation mode, run in
    /// slices of `slice` examples (see ``sliceSize``): `[N] + network.output`, `[N, classes]` for a
    /// classifier.
    /// - Throws: ``ConvKitError/shapeMismatch(layer:expected:found:)`` when `inputs` does not fit
    ///   the network, ``ConvKitError/invalidArgument(name:reason:)`` when `slice` < 1.
    public static func logits(of network: Network, inputs: Tensor, threads: Int = 1, slice: Int = sliceSize) throws -> Tensor {
        guard slice >= 1 else { throw ConvKitError.invalidArgument(name: "slice", reason: "must be at least 1, found \(slice)") }
        let outputs = try network.output.elementCount()
        try inputs.requireShape(network.input, path: "network input")
        let n = inputs.batch
        let perExample = try network.input.elementCount()
        var all: [Float] = []
        all.reserveCapacity(try Checked.multiply(n, outputs, "outputs of \(n) examples"))
        for start in stride(from: 0, to: n, by: slice) {
            let count = min(slice, n - start)
            let values = Array(inputs.storage[(start * perExample)..<((start + count) * perExample)])
            var context = RunContext(training: false, threads: threads)
            all += try network.forward(try Tensor(shape: [count] + network.input.dimensions, values: values), &context).storage
        }
        return try Tensor(shape: [n] + network.output.dimensions, values: all)
    }

    /// Refuses a run whose weights, inputs, logits and one slice's activations would not fit in
    /// the available memory (``MemoryBudget``): `params·4 + s·(input·4 + Σ activation bytes)` for a
    /// slice of `s = min(N, slice)` examples, plus `N·input·4` and `N·classes·4`.
    static func requireMemory(_ network: Network, examples n: Int, slice: Int) throws {
        let summary = try Summary(network.architecture, input: network.input)
        let evaluation = try MemoryBudget.evaluationBytes(summary, batch: min(n, max(1, slice)))
        let perExample = try Checked.add(try network.input.elementCount(), try network.output.elementCount(), "input and output elements")
        let total = try Checked.add(evaluation, try Checked.product([n, perExample, 4], "inputs and logits bytes"), "prediction memory")
        let available = try MemoryBudget.availableBytes()
        guard total <= available else {
            throw ConvKitError.resourceLimit(what: "predicting \(n.grouped) examples with '\(summary.model)' in slices of \(slice) (params·4 + slice·(input·4 + Σ activation bytes) + N·(input + classes)·4)",
                                             needed: total, available: available)
        }
    }

    /// `--out` must name a file in an existing folder (checked before any work is done).
    static func checkOutputPath(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConvKitError.fileError(file: path, reason: "is a directory, expected a file path for the logits (--out)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        guard !folder.isEmpty else { return }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConvKitError.fileError(file: path, reason: "folder '\(folder)' does not exist (--out writes into an existing folder)")
        }
    }

    /// CSV of logits `[N, classes]`: the header `index,argmax,logit0,…,logit{classes−1}`, then one
    /// row per example: its 0-based index, the index of its largest logit (the first one on ties;
    /// a NaN counts as largest, as in `torch.argmax`), and the logits with the shortest decimal
    /// that reads back as the same float32 (Swift's `description`: `0.1`, `-1.5e-07`, `nan`).
    public static func csv(_ logits: Tensor) -> String {
        let classes = logits.shape.count == 2 ? logits.shape[1] : 0
        var out = "index,argmax" + (0..<classes).map { ",logit\($0)" }.joined() + "\n"
        guard classes > 0 else { return out }
        for row in 0..<(logits.count / classes) {
            let values = logits.storage[(row * classes)..<((row + 1) * classes)]
            out += "\(row),\(argmax(values))" + values.map { ",\($0)" }.joined() + "\n"
        }
        return out
    }

    /// Index (from 0) of the largest value; the first on ties, the first NaN if any.
    static func argmax(_ values: ArraySlice<Float>) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for (offset, value) in values.enumerated() {
            if value.isNaN { return offset }
            if offset == 0 || value > bestValue { best = offset; bestValue = value }
        }
        return best
    }
}

extension Checkpoint {
    /// A checkpoint as `convkit evaluate` and `convkit predict` take it: `model` (a zoo name or
    /// spec file, ``ModelSource/resolve(_:)``), when given, replaces the architecture in the file's
    /// metadata, and is required for a plain PyTorch `state_dict` without ConvKit metadata. The
    /// weights are loaded strictly (``loadWeights(_:into:file:)``).
    public static func load(_ path: String, model: String?) throws -> Loaded {
        let override = try model.map { try ModelSource.resolve($0) }
        return try load(path, architecture: override)
    }
}
