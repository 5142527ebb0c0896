/// The one error type of ConvKit. Every case carries the context a user needs to
/// find and fix the problem: the layer, file, position, and what was expected.
public enum ConvKitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A layer received an input it cannot process.
    /// `layer` is the dotted layer name, `expected`/`found` describe the shapes.
    case shapeMismatch(layer: String, expected: String, found: String)
    /// A layer's hyper-parameter is invalid on its own (e.g. a kernel size of 0).
    case invalidLayer(layer: String, reason: String)
    /// A model spec file could not be parsed. `line` and `column` are 1-based; 0 when unknown.
    case specError(file: String, line: Int, column: Int, reason: String)
    /// A model name is neither in the zoo nor an existing spec file.
    case unknownModel(name: String, known: [String])
    /// A command-line argument or API argument has an invalid value.
    case invalidArgument(name: String, reason: String)
    /// Reading or writing a file failed.
    case fileError(file: String, reason: String)
    /// A file was read but its contents break its format's rules (e.g. a safetensors header whose
    /// offsets overlap). `reason` names the part (tensor, key, byte offset) and expected vs found.
    case corruptFile(file: String, reason: String)
    /// An exact count does not fit in a 64-bit signed integer.
    case overflow(what: String)
    /// Training produced a NaN or infinite loss (epoch and step are 0-based).
    case nonFiniteLoss(epoch: Int, step: Int, learningRate: Double)
    /// A parameter became NaN or infinite during an epoch (0-based) although every batch loss was
    /// finite (a ReLU can hide NaN weights from the loss); found before a checkpoint is written.
    case nonFiniteParameter(epoch: Int, parameter: String, learningRate: Double)
    /// A value in a data file (CSV) is missing or malformed. `line` is 1-based (the header is
    /// line 1), `column` the column's name from the header (empty when the whole line is wrong).
    case dataError(file: String, line: Int, column: String, reason: String)
    /// A classical model cannot be fitted to the data given (e.g. a class without examples).
    case fitError(reason: String)
    /// Running `what` would need `needed` bytes of memory but only `available` bytes are available
    /// (see ``MemoryBudget``); raised before anything is allocated.
    case resourceLimit(what: String, needed: Int, available: Int)

    /// The message, always one line: line breaks quoted from a file are shown as `\n` and `\r`.
    public var description: String {
        var text = message
        if text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            text = text.replacingOccurrences(of: "\r\n", with: "\\r\\n").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        }
        return text
    }

    private var message: String {
        switch self {
        case let .shapeMismatch(layer, expected, found):
            return "layer '\(layer)': expected input \(expected), found \(found)"
        case let .invalidLayer(layer, reason):
            return "layer '\(layer)': \(reason)"
        case let .specError(file, line, column, reason):
            if line > 0 { return "\(file):\(line):\(column): \(reason)" }
            return "\(file): \(reason)"
        case let .unknownModel(name, known):
            return "unknown model '\(name)': not a zoo model and no such spec file (zoo models: \(known.joined(separator: ", ")))"
        case let .invalidArgument(name, reason):
            return "invalid value for \(name): \(reason)"
        case let .fileError(file, reason):
            return "\(file): \(reason)"
        case let .corruptFile(file, reason):
            return "\(file): corrupt file: \(reason)"
        case let .overflow(what):
            return "integer overflow: \(what) does not fit in a 64-bit integer"
        case let .nonFiniteLoss(epoch, step, learningRate):
            return "the loss became NaN or infinite at epoch \(epoch), step \(step) (learning rate \(learningRate)); try a lower --lr"
        case let .nonFiniteParameter(epoch, parameter, learningRate):
            return "parameter '\(parameter)' became NaN or infinite during epoch \(epoch) (learning rate \(learningRate)); try a lower --lr"
        case let .dataError(file, line, column, reason):
            return column.isEmpty ? "\(file):\(line): \(reason)" : "\(file):\(line): column '\(column)': \(reason)"
        case let .fitError(reason):
            return "cannot fit the model: \(reason)"
        case let .resourceLimit(what, needed, available):
            return "\(what) needs \(needed.grouped) bytes (\(TrainingMemory.human(needed))), more than the \(available.grouped) bytes (\(TrainingMemory.human(available))) of memory available; nothing was allocated"
        }
    }
}
