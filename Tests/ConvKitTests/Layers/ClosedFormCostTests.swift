import Testing
@testable import ConvKit

/// The closed forms that replaced loops over user-chosen sizes in the cost analysis (a spec with
/// `output_size: 2000000000` or 2·10^9 LRN channels must be counted in microseconds, not by
/// building a 2·10^9-element array), checked against the loops they replace.
@Suite struct ClosedFormCostTests {
    @Test func adaptivePoolingWindowSumAndLongestWindowMatchTheLoop() throws {
        for n in 1...40 {
            for m in 1...40 {
                let windows = AdaptiveAvgPool2d.windows(n, m)
                #expect(try AdaptiveAvgPool2d.windowSum(n, m) == windows.reduce(0, +), "n \(n), m \(m)")
                #expect(try AdaptiveAvgPool2d.longestWindow(n, m) == windows.max(), "n \(n), m \(m)")
            }
        }
        // 5 rows pooled to 3: windows [0, 2), [1, 4), [3, 5) of lengths 2 + 3 + 2 = 7 = 5 + 3 − gcd(5, 3).
        #expect(try AdaptiveAvgPool2d.windowSum(5, 3) == 7)
        #expect(try AdaptiveAvgPool2d.longestWindow(5, 3) == 3)
        // Huge sizes are counted without a loop: 2^31 − 1 pooled to 2^31 − 2 (coprime): n + m − 1.
        #expect(try AdaptiveAvgPool2d.windowSum(2_147_483_647, 2_147_483_646) == 4_294_967_292)
    }

    @Test func localResponseNormLinksMatchTheLoop() throws {
        for channels in 1...30 {
            for size in 1...35 {
                let links = LocalResponseNorm.windowLengths(channels: channels, size: size).reduce(0, +)
                #expect(try LocalResponseNorm.windowLinks(channels: channels, size: size) == links, "C \(channels), n \(size)")
            }
        }
        // C = 5, n = 3: window lengths 2, 3, 3, 3, 2 = 13 = 5 + (1·5 − 1) + (1·5 − 1).
        #expect(try LocalResponseNorm.windowLinks(channels: 5, size: 3) == 13)
        // A window wider than the channels links every pair: C² = (2^31 − 1)² fits in 64 bits.
        #expect(try LocalResponseNorm.windowLinks(channels: 2_147_483_647, size: 2_147_483_647 * 2 + 1) == 2_147_483_647 * 2_147_483_647)
    }

    @Test func slidingWindowArithmeticIsCheckedNotWrapped() {
        // dilation·(kernel − 1) = 2^62 · 3 overflows.
        let error = expectConvKitError {
            _ = try SlidingWindow.outputLength(input: 8, kernel: 4, stride: 1, padding: .valid, before: 0, after: 0,
                                               dilation: 1 << 62, ceilMode: false)
        }
        #expect(error?.description.hasPrefix("integer overflow: output size (input 8, kernel 4, stride 1, padding 0+0, dilation 4611686018427387904)") == true)
    }
}
