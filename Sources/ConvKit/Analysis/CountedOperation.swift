import Foundation

/// Operations that ConvKit's MAC column leaves out (it counts the multiply-accumulates of
/// convolutions, transposed convolutions and linear layers, bias excluded) but that other counting
/// tools add to theirs; `convkit summary --count bn,add,…` adds the chosen ones to the MAC column,
/// so that each tool's convention can be reproduced and the differences seen layer by layer
/// (README "Counting conventions compared"). Each layer kind states its own in its file
/// (``LeafLayer/countedOperations(input:output:)``).
public enum CountedOperation: String, CaseIterable, Sendable, Comparable {
    /// Batch norm in evaluation: 2 per output element with γ and β (a multiply and an add), 1 without
    /// (fvcore's and ptflops' count).
    case bn
    /// Element-wise merges: (k − 1) additions per output element of an `add` of k inputs, one
    /// multiply per output element of a `mul`.
    case add
    /// Max and average pooling with a fixed window: one per input element (ptflops' count).
    case pool
    /// Adaptive (global) average pooling: one per input element (fvcore's and ptflops' count).
    case adaptivepool
    /// Activation functions (ReLU, ReLU6, sigmoid, tanh, GELU, SiLU, hard swish, …): one per output element (ptflops' count).
    case act
    /// Bias additions of convolutions, transposed convolutions and linear layers: one per output
    /// element of a layer with a bias (torchinfo's and ptflops' count).
    case bias

    public static func < (a: CountedOperation, b: CountedOperation) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses `--count`: names separated by commas (`bn,add,pool`).
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` listing the valid names.
    public static func parse(_ text: String) throws -> Set<CountedOperation> {
        var chosen = Set<CountedOperation>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let operation = CountedOperation(rawValue: name) else {
                throw ConvKitError.invalidArgument(name: "--count", reason: "'\(name)' is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            chosen.insert(operation)
        }
        return chosen
    }
}

extension LayerCost {
    /// This cost with the chosen extra operations added to its MACs, the arithmetic shown as
    /// `MACs + extra (name) = total`, e.g. `864 + 4·4·3 (bias) = 912`.
    func counting(_ chosen: Set<CountedOperation>, path: String) throws -> LayerCost {
        let added = extraOperations.filter { chosen.contains($0.key) }.sorted { $0.key < $1.key }
        guard !added.isEmpty else { return self }
        var total = macs.value
        for (_, count) in added { total = try Checked.add(total, count.value, "MACs of \(path) with --count") }
        var result = self
        // Each term as its arithmetic without its own `= value`: `MACs + 2·48 (bn) = total`.
        let terms = added.map { operation, count -> String in
            let arithmetic = count.formula.range(of: " = ", options: .backwards).map { String(count.formula[..<$0.lowerBound]) } ?? count.formula
            return "\(arithmetic) (\(operation.rawValue))"
        }
        result.macs = Count(total, formula: ([macs.value.grouped] + terms).joined(separator: " + ") + " = \(total.grouped)")
        return result
    }
}
