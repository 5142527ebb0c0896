/// Reading the inputs of `convkit predict`: a safetensors file holding exactly one float32
/// tensor `input` of shape `N×C×H×W` (or `N×F` for a feature-vector model).
extension Prediction {
    /// The name of the one tensor an inputs file must hold.
    public static let inputTensorName = "input"

    /// Reads and checks the inputs file at `path`: exactly one tensor, named `input`, stored as
    /// `F32`, of rank at least 2 (`N×…`) with N ≥ 1. The values are used as they are (no
    /// normalisation). Whether the per-example shape fits a model is checked later, by
    /// ``network(weights:model:inputShape:inputs:)``.
    ///
    /// - Throws: ``ConvKitError/fileError(file:reason:)`` naming `path` and the tensor, what was
    ///   expected and what was found (no `input`, other tensors besides it, another dtype, rank
    ///   below 2, N = 0); the reader's own errors for unreadable or corrupt files.
    public static func readInputs(_ path: String) throws -> Tensor {
        let bytes = try FileBytes.read(path)
        // The dtypes are checked from the header before decoding: an I64 tensor whose values are
        // not exact in float32 would otherwise fail with a message about its values, not its dtype.
        if let declared = declaredTensors(bytes) {
            try check(names: declared.map(\.name), path: path)
            if let dtype = declared.first(where: { $0.name == inputTensorName })?.dtype, dtype != "F32" {
                throw ConvKitError.fileError(file: path, reason: "tensor '\(inputTensorName)' has dtype \(dtype), expected F32 (float32; in PyTorch x.float(), in NumPy x.astype(np.float32))")
            }
        }
        let file = try SafeTensors.parse(bytes, file: path)
        try check(names: file.entries.map(\.name), path: path)
        guard let entry = file.entry(named: inputTensorName) else {
            throw ConvKitError.fileError(file: path, reason: "no tensor '\(inputTensorName)'")
        }
        guard entry.shape.count >= 2 else {
            throw ConvKitError.fileError(file: path, reason: "tensor '\(inputTensorName)' has shape \(entry.shape) (rank \(entry.shape.count)), expected rank 4 (N×C×H×W) or 2 (N×F)")
        }
        guard entry.shape[0] >= 1 else {
            throw ConvKitError.fileError(file: path, reason: "tensor '\(inputTensorName)' has shape \(entry.shape): no examples (N = 0), expected N ≥ 1")
        }
        return try entry.tensor()
    }

    /// Requires exactly one tensor, `input`, among `names` (strict: other tensors are refused by
    /// name rather than silently ignored).
    private static func check(names: [String], path: String) throws {
        let others = names.filter { $0 != inputTensorName }
        guard names.contains(inputTensorName) else {
            let found = names.isEmpty ? "no tensors" : "tensors " + names.map { "'\($0)'" }.joined(separator: ", ")
            throw ConvKitError.fileError(file: path, reason: "no tensor '\(inputTensorName)': expected one F32 tensor '\(inputTensorName)' of shape N×C×H×W (or N×F), found \(found)")
        }
        guard others.isEmpty else {
            throw ConvKitError.fileError(file: path, reason: "unexpected tensors \(others.map { "'\($0)'" }.joined(separator: ", ")) besides '\(inputTensorName)': expected only '\(inputTensorName)'")
        }
    }

    /// Name and dtype of each tensor the header of a safetensors file declares, or nil when the
    /// header is not well formed (``SafeTensors/parse(_:file:)`` then reports why).
    static func declaredTensors(_ bytes: [UInt8]) -> [(name: String, dtype: String)]? {
        guard bytes.count >= 8 else { return nil }
        var declared: UInt64 = 0
        for k in stride(from: 7, through: 0, by: -1) { declared = declared << 8 | UInt64(bytes[k]) }
        guard declared >= 2, declared <= UInt64(min(bytes.count - 8, SafeTensors.maximumHeaderLength)) else { return nil }
        let header = bytes[8..<(8 + Int(declared))]
        guard let json = try? StrictJSONParser.parse(header, file: "", what: "header"), case let .object(members) = json else { return nil }
        var tensors: [(name: String, dtype: String)] = []
        for (name, value) in members where name != "__metadata__" {
            guard case let .object(fields) = value,
                  let dtype = fields.first(where: { $0.0 == "dtype" })?.1, case let .string(text) = dtype else { return nil }
            tensors.append((name, text))
        }
        return tensors
    }
}
