/// A pass over spec text before it reaches the YAML library, refusing what could exhaust the
/// stack or the processor there: deep nesting and anchors.
///
/// Why: the YAML composer builds nodes recursively, one stack frame per nesting level, so without a
/// limit a file of a million `[` would overflow the stack (a crash, not an error). The bundled
/// libyaml stops at its own maximum nesting level (1,000), but reports it in a message of many
/// lines quoting the whole offending line; this check gives a one-line error with the position and
/// does not depend on that library setting. And an anchor reused through aliases ("billion
/// laughs") makes a tiny file stand for an exponentially large tree, which the composer (hashing
/// complex keys) and ConvKit (walking lists) would both expand. Spec files need neither deep
/// nesting (ConvKit's own limit is 64 levels of `sequential`/`concat`) nor anchors.
///
/// The nesting bound must never be smaller than the real depth, so it is computed without trusting
/// any guess about where quoted strings and comments are: for every character the pass keeps the
/// deepest flow nesting (`[`, `{`) reachable whether each quote character opens a string or not
/// (`'…'` with `''` escapes, `"…"` with `\` escapes, `#` after a space starting a comment). Block
/// nesting is bounded by indentation: every nested block collection starts further right, or (a
/// sequence under a key) at the key's column, so a line whose content starts at column c can be at
/// most 2·(c + 1) levels deep. A bracket inside a string can only raise the estimate, never lower it
/// below the real depth, so a valid spec may be refused only if it holds hundreds of unbalanced
/// brackets in strings or is indented by hundreds of columns.
///
/// An anchor is a `&` at the start of a token (after a space, a line start, `[`, `{` or `,`)
/// followed by a name, where some reading of the quotes is outside strings and comments; such text
/// in a string that might not be one is refused too (write ` &x` as `&x` or `& x` there).
enum SpecTextCheck {
    /// The largest nesting estimate accepted; far more than a 64-level spec needs, far less than
    /// what would strain a thread's stack in the YAML composer.
    static let maximumNesting = 1_000

    /// Throws ``ConvKitError/specError(file:line:column:reason:)`` at the first place where the
    /// nesting estimate exceeds ``maximumNesting`` or an anchor appears.
    static func check(_ text: String, file: String) throws {
        try check(bytes: Array(text.utf8), file: file)
    }

    /// The check over UTF-8 bytes. A depth of −1 marks a state no reading of the quotes reaches.
    static func check(bytes: [UInt8], file: String) throws {
        let newline: UInt8 = 0x0A, space: UInt8 = 0x20, tab: UInt8 = 0x09, carriageReturn: UInt8 = 0x0D
        let quote: UInt8 = 0x27, doubleQuote: UInt8 = 0x22, backslash: UInt8 = 0x5C, hash: UInt8 = 0x23, ampersand: UInt8 = 0x26
        let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D, openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D, comma: UInt8 = 0x2C
        let dash: UInt8 = 0x2D, question: UInt8 = 0x3F, colon: UInt8 = 0x3A
        @inline(__always) func isSpace(_ byte: UInt8) -> Bool { byte == space || byte == newline || byte == tab || byte == carriageReturn }

        // Deepest flow nesting reachable outside strings, in a '…' string, in a "…" string, in a comment.
        var outside = 0, single = -1, double = -1, comment = -1
        var escaped = false  // inside a "…" string, the previous character was a backslash
        var pairedQuote = false  // inside a '…' string, this ' is the second of a '' pair
        var line = 1, column = 0
        var inIndentation = true  // still in the line's leading spaces and "- ", "? ", ": " indicators
        var block = 0  // the largest block nesting bound 2·(c + 1) of any line so far
        var previous = newline
        func fail(_ reason: String) -> ConvKitError {
            .specError(file: file, line: line, column: column + 1, reason: reason)
        }

        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            let next: UInt8 = index + 1 < count ? bytes[index + 1] : newline
            index += 1
            if byte == newline {
                // Comments end; strings may continue on the next line.
                outside = max(outside, comment)
                comment = -1
                escaped = false  // a backslash before a line break escapes the break
                pairedQuote = false
                line += 1
                column = 0
                inIndentation = true
                previous = byte
                continue
            }
            if inIndentation, byte != space, !((byte == dash || byte == question || byte == colon) && isSpace(next)) {
                inIndentation = false
                block = max(block, 2 * (column + 1))
            }
            // An anchor is structure, so only where some reading of the quotes is outside strings and comments.
            if byte == ampersand, outside >= 0, isSpace(previous) || previous == openBracket || previous == openBrace || previous == comma,
               !isSpace(next), next != comma, next != closeBracket, next != closeBrace {
                throw fail("anchors and aliases (&name, *name) are not supported in spec files")
            }
            var newOutside = -1, newSingle = -1, newDouble = -1, newComment = comment
            // Outside any string or comment.
            if outside >= 0 {
                switch byte {
                case openBracket, openBrace: newOutside = outside + 1
                case closeBracket, closeBrace: newOutside = max(outside - 1, 0)
                case quote: newOutside = outside; newSingle = outside
                case doubleQuote: newOutside = outside; newDouble = outside
                case hash where isSpace(previous): newComment = max(newComment, outside)
                default: newOutside = outside
                }
            }
            // Inside a '…' string: '' is an escaped quote, a lone ' ends it.
            let wasPaired = pairedQuote
            pairedQuote = false
            if single >= 0 {
                if byte == quote && !wasPaired && next != quote {
                    newOutside = max(newOutside, single)
                } else {
                    newSingle = max(newSingle, single)
                    pairedQuote = byte == quote && !wasPaired
                }
            }
            // Inside a "…" string: a backslash escapes the next character, an unescaped " ends it.
            if double >= 0 {
                if byte == doubleQuote && !escaped {
                    newOutside = max(newOutside, double)
                } else {
                    newDouble = max(newDouble, double)
                }
            }
            escaped = double >= 0 && !escaped && byte == backslash
            (outside, single, double, comment) = (newOutside, newSingle, newDouble, newComment)
            let flow = max(max(outside, single), max(double, comment))
            if flow + block > maximumNesting {
                throw fail("nesting too deep: brackets \(flow) levels deep in lines indented up to \(block / 2 - 1) columns; spec files may nest at most \(maximumNesting) levels")
            }
            column += 1
            previous = byte
        }
    }
}
