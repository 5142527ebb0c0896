/// The VALUES syntax of `convkit explain conv --x … --w …`: numbers with `,` between columns and
/// `;` between rows of one 2-D plane; planes separated by `|`.
///
/// - `--x` (input `C×H×W`): C planes of H rows and W columns, channel 0 first:
///   `"1,2;3,4 | 5,6;7,8"` is a 2×2×2 input.
/// - `--w` (`M` filters of `C×kh×kw`): either the filters separated by `||`, each filter's C
///   channel planes separated by `|` — `"1,0;0,1 | 0,1;1,0 || 2,0;0,2 | 0,2;2,0"` for M = C = 2 —
///   or, without `||`, all M·C planes separated by `|` in (m, c) order: filter 0 channel 0,
///   filter 0 channel 1, …, filter 1 channel 0, … (the layout of a PyTorch weight `[M, C, kh, kw]`).
///
/// Values come back flattened in row-major (NCHW / OIHW) order. Counts that do not fit the
/// shape are an error naming the option, the block and the row.
public enum ValueGrid {
    /// Parses `--x` for an input of `channels×height×width`.
    public static func input(_ text: String, channels: Int, height: Int, width: Int) throws -> [Float] {
        let blocks = text.split(separator: "|", omittingEmptySubsequences: false)
        guard blocks.count == channels else {
            throw ConvKitError.invalidArgument(name: "--x", reason: "found \(blocks.count) channel block\(blocks.count == 1 ? "" : "s") separated by '|', expected \(channels) (input channels C)")
        }
        var values: [Float] = []
        for (c, block) in blocks.enumerated() {
            values += try plane(block, option: "--x", where: "channel \(c)", rows: height, columns: width,
                                rowName: "input height H", columnName: "input width W")
        }
        return values
    }

    /// Parses `--w` for `filters` filters of `channels×kernel.height×kernel.width`.
    public static func weights(_ text: String, filters: Int, channels: Int, kernel: Size2) throws -> [Float] {
        var blocks: [(m: Int, c: Int, text: Substring)] = []
        if text.contains("||") {
            let groups = text.components(separatedBy: "||")
            guard groups.count == filters else {
                throw ConvKitError.invalidArgument(name: "--w", reason: "found \(groups.count) filter\(groups.count == 1 ? "" : "s") separated by '||', expected \(filters) (--filters M)")
            }
            for (m, group) in groups.enumerated() {
                let planes = group.split(separator: "|", omittingEmptySubsequences: false)
                guard planes.count == channels else {
                    throw ConvKitError.invalidArgument(name: "--w", reason: "filter \(m) has \(planes.count) channel block\(planes.count == 1 ? "" : "s") separated by '|', expected \(channels) (input channels C)")
                }
                for (c, plane) in planes.enumerated() { blocks.append((m, c, plane)) }
            }
        } else {
            let planes = text.split(separator: "|", omittingEmptySubsequences: false)
            guard planes.count == filters * channels else {
                throw ConvKitError.invalidArgument(name: "--w", reason: "found \(planes.count) kernel block\(planes.count == 1 ? "" : "s") separated by '|', expected M·C = \(filters)·\(channels) = \(filters * channels) in (filter, channel) order, or filters separated by '||'")
            }
            for (index, plane) in planes.enumerated() { blocks.append((index / channels, index % channels, plane)) }
        }
        var values: [Float] = []
        for block in blocks {
            values += try plane(block.text, option: "--w", where: "filter \(block.m) channel \(block.c)", rows: kernel.height,
                                columns: kernel.width, rowName: "kernel height kh", columnName: "kernel width kw")
        }
        return values
    }

    /// One plane: `rows` rows separated by `;`, each `columns` numbers separated by `,`.
    static func plane(_ text: Substring, option: String, where place: String, rows: Int, columns: Int,
                      rowName: String, columnName: String) throws -> [Float] {
        let lines = text.split(separator: ";", omittingEmptySubsequences: false)
        guard lines.count == rows else {
            throw ConvKitError.invalidArgument(name: option, reason: "\(place) has \(lines.count) row\(lines.count == 1 ? "" : "s") separated by ';', expected \(rows) (\(rowName))")
        }
        var values: [Float] = []
        for (r, line) in lines.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == columns else {
                throw ConvKitError.invalidArgument(name: option, reason: "\(place) row \(r) has \(cells.count) value\(cells.count == 1 ? "" : "s") separated by ',', expected \(columns) (\(columnName))")
            }
            for (k, cell) in cells.enumerated() {
                values.append(Float(try ExplainArguments.number(cell, option: option, context: "\(place) row \(r) column \(k)")))
            }
        }
        return values
    }
}
