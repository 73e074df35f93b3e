import Foundation

/// Estimates the true peak of each sample interval the way ITU-R BS.1770-4 (annex 2) defines
/// true peak: oversampled ×4 by an interpolating FIR, then the largest absolute value. The
/// filter is a Hann-windowed sinc of 12 taps per phase; phase 0 is the sample itself.
///
/// Streaming: `peaks` takes blocks of interleaved frames and returns, for frame `q`, the peak
/// over the interval `[q, q + 1)` across all channels. It needs `halfTaps` frames after `q`,
/// so its answers lag the input by `halfTaps` frames (the frames before the start count as 0).
struct TruePeakEstimator {
    /// Taps each side of the interpolated point (12 taps per phase).
    static let halfTaps = 6
    static let span = 2 * halfTaps

    let channels: Int
    /// Phases 1/4, 2/4, 3/4, `span` coefficients each, for x[q − halfTaps + 1 … q + halfTaps].
    private let coefficients: [Float]
    /// The last `span − 1` input samples of each channel (channel-major).
    private var history: [Float]
    private var scratch: [Float] = []

    init(channels: Int) {
        self.channels = channels
        history = [Float](repeating: 0, count: channels * (Self.span - 1))
        var taps: [Float] = []
        for phase in 1...3 {
            let offset = Double(phase) / 4
            var row: [Double] = []
            for k in (1 - Self.halfTaps)...Self.halfTaps {
                let t = Double(k) - offset
                let sinc = sin(Double.pi * t) / (Double.pi * t)
                let window = 0.5 + 0.5 * cos(Double.pi * t / Double(Self.halfTaps + 1))
                row.append(sinc * window)
            }
            let sum = row.reduce(0, +)  // unity gain at DC for every phase
            taps += row.map { Float($0 / sum) }
        }
        coefficients = taps
    }

    /// For each frame of `block`, the true peak of the frame `halfTaps` earlier (max over
    /// channels), written to `out` (resized to the block's frame count).
    mutating func peaks(of block: UnsafeBufferPointer<Float>, into out: inout [Float]) {
        let frames = block.count / channels
        let span = Self.span
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: repeatElement(0, count: frames))
        guard frames > 0 else { return }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: repeatElement(0, count: span - 1 + frames))
        for channel in 0..<channels {
            let kept = channel * (span - 1)
            for i in 0..<(span - 1) { scratch[i] = history[kept + i] }
            for t in 0..<frames { scratch[span - 1 + t] = block[t * channels + channel] }
            scratch.withUnsafeBufferPointer { x in
                coefficients.withUnsafeBufferPointer { h in
                    out.withUnsafeMutableBufferPointer { peak in
                        Self.interpolate(x, h, frames: frames, into: peak)
                    }
                }
            }
            for i in 0..<(span - 1) { history[kept + i] = scratch[frames + i] }
        }
    }

    /// `peak[t] = max(peak[t], |x[t + halfTaps − 1]|, |phase 1…3 at t|)` over one channel.
    private static func interpolate(_ x: UnsafeBufferPointer<Float>, _ h: UnsafeBufferPointer<Float>,
                                    frames: Int, into peak: UnsafeMutableBufferPointer<Float>) {
        for t in 0..<frames {
            var a: Float = 0, b: Float = 0, c: Float = 0
            for k in 0..<span {
                let v = x[t + k]
                a += v * h[k]
                b += v * h[span + k]
                c += v * h[2 * span + k]
            }
            let here = abs(x[t + halfTaps - 1])
            peak[t] = max(peak[t], max(max(here, abs(a)), max(abs(b), abs(c))))
        }
    }
}
