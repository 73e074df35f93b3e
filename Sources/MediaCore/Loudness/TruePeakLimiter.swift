import Foundation

/// A streaming look-ahead limiter that keeps the true peak (×4 oversampled, BS.1770) at or
/// under a ceiling, with one gain for all channels so the stereo image does not move.
///
/// For each frame it needs a gain at most `ceiling / true peak` there. The gain is the minimum
/// of that over the next `lookahead` frames (so it is already down when a peak arrives), with
/// an exponential release, then averaged over `lookahead` frames: the attack is a smooth ramp
/// across the look-ahead and no frame gets more gain than it allows. Where nothing is over the
/// ceiling the gain is exactly 1 and samples pass bit for bit (times `inputGain`).
///
/// The output is aligned with the input: no delay and no extra samples. `process` holds back
/// the last frames it cannot decide yet and `finish` delivers them, so the total out equals the
/// total in. Memory is a few look-ahead windows, whatever the length.
package struct TruePeakLimiter {
    package let channels: Int
    let ceiling: Float
    let inputGain: Float
    let lookahead: Int
    let release: Double
    private var estimator: TruePeakEstimator
    private var window: SlidingMinimum
    /// Input frames not delivered yet (after `inputGain`), interleaved; the first is frame `pendingStart`.
    private var pending: [Float] = []
    private var pendingStart = 0
    /// Frames fed so far, counting the `lookahead − 1` silent frames placed before the start.
    private var fed: Int
    private var previousPeak: Float = 0
    private var envelope = 1.0
    private var box: [Double]
    private var boxIndex = 0
    private var boxSum: Double
    private var peaks: [Float] = []
    private var out: [Float] = []
    private let lead: Int
    private var realFrames = 0
    /// The lowest gain applied to a real frame.
    package private(set) var minimumGain = 1.0
    /// Stretches of frames (of the real input, sorted) where the ceiling is lower, and by how much (linear).
    private let dips: [(frames: Range<Int64>, factor: Float)]
    private var dipCursor = 0

    /// - Parameters:
    ///   - ceilingDBTP: the highest true peak allowed in the output.
    ///   - inputGainDB: a plain gain applied before limiting.
    ///   - lookahead: seconds the gain starts falling before a peak (the attack).
    ///   - release: time constant, in seconds, of the gain's return toward 1.
    ///   - dips: where (frames of the input) the ceiling is lower, by how many dB.
    package init(sampleRate: Int, channels: Int, ceilingDBTP: Double, inputGainDB: Double = 0,
                 lookahead: Double = 0.005, release: Double = 0.06, dips: [CeilingDip] = []) {
        self.channels = channels
        self.dips = dips.sorted { $0.startFrame < $1.startFrame }
            .map { ($0.startFrame..<$0.endFrame, Float(pow(10, -abs($0.reductionDB) / 20))) }
        ceiling = Float(pow(10, ceilingDBTP / 20))
        inputGain = Float(pow(10, inputGainDB / 20))
        self.lookahead = max(1, Int((lookahead * Double(sampleRate)).rounded()))
        self.release = exp(-1 / (release * Double(sampleRate)))
        estimator = TruePeakEstimator(channels: channels)
        window = SlidingMinimum(capacity: self.lookahead + 1)
        box = [Double](repeating: 1, count: self.lookahead)
        boxSum = Double(self.lookahead)
        // Silent frames before the start, so the first real frames' averages see real gains.
        lead = self.lookahead - 1
        fed = 0
        pending = [Float](repeating: 0, count: lead * channels)
        let silence = [Float](repeating: 0, count: lead * channels)
        silence.withUnsafeBufferPointer { feed($0, emit: { _ in }) }
    }

    /// The largest gain reduction applied so far, in dB (0 when nothing was limited).
    package var maxReductionDB: Double { -20 * log10(minimumGain) }

    /// Limits `samples` (interleaved, a whole number of frames, any count) and hands `emit`
    /// the frames that are ready, in order: up to `lookahead + 6` frames fewer than given.
    package mutating func process(_ samples: UnsafeBufferPointer<Float>, emit: (UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        realFrames += samples.count / channels
        let start = pending.count
        pending.append(contentsOf: samples)
        if inputGain != 1 {
            for i in start..<pending.count { pending[i] *= inputGain }
        }
        try feed(samples, emit: emit)
    }

    /// Delivers the frames still held back; the limiter is spent afterwards.
    package mutating func finish(emit: (UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        let tail = [Float](repeating: 0, count: (lookahead + TruePeakEstimator.halfTaps) * channels)
        pending.append(contentsOf: tail)
        try tail.withUnsafeBufferPointer { try feed($0, emit: emit) }
    }

    /// Runs the gain computation over the frames of `samples` (already appended to `pending`).
    private mutating func feed(_ samples: UnsafeBufferPointer<Float>, emit: (UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        if inputGain == 1 {
            estimator.peaks(of: samples, into: &peaks)
        } else {
            let scaled = pending[(pending.count - samples.count)...]
            scaled.withUnsafeBufferPointer { estimator.peaks(of: $0, into: &peaks) }
        }
        let lag = TruePeakEstimator.halfTaps
        let end = lead + realFrames
        out.removeAll(keepingCapacity: true)
        for peak in peaks {
            // `peak` covers frame q = fed − lag: the gain there must keep [q − 1, q + 1) under the ceiling.
            let q = fed - lag
            fed += 1
            guard q >= 0 else { continue }
            let worst = max(peak, previousPeak)
            previousPeak = peak
            let limit = dips.isEmpty ? ceiling : ceiling * dipFactor(at: Int64(q - lead))
            window.push(index: q, value: worst > limit ? Double(limit / worst) : 1)
            let j = q - lookahead + 1  // the frame whose look-ahead window just closed
            guard j >= 0 else { continue }
            envelope = min(window.minimum(from: j), 1 - (1 - envelope) * release)
            boxSum += envelope - box[boxIndex]
            box[boxIndex] = envelope
            boxIndex = boxIndex + 1 == lookahead ? 0 : boxIndex + 1
            guard j >= lead, j < end else { continue }
            let gain = envelope == 1 && boxSum == Double(lookahead) ? 1 : min(1, boxSum / Double(lookahead))
            minimumGain = min(minimumGain, gain)
            let base = (j - pendingStart) * channels
            if gain == 1 {
                out.append(contentsOf: pending[base..<(base + channels)])
            } else {
                for c in 0..<channels { out.append(pending[base + c] * Float(gain)) }
            }
        }
        // Forget what was delivered (and the silent lead-in); keep what is still undecided.
        let decided = max(0, fed - lag - lookahead + 1) - pendingStart
        if decided > 0 {
            pending.removeFirst(min(decided, pending.count / channels) * channels)
            pendingStart += decided
        }
        if !out.isEmpty { try out.withUnsafeBufferPointer { try emit($0) } }
    }
}

extension TruePeakLimiter {
    /// The ceiling's factor at real frame `frame` (asked in increasing order).
    private mutating func dipFactor(at frame: Int64) -> Float {
        while dipCursor < dips.count, dips[dipCursor].frames.upperBound <= frame { dipCursor += 1 }
        var factor: Float = 1
        var i = dipCursor
        while i < dips.count, dips[i].frames.lowerBound <= frame {
            if dips[i].frames.contains(frame) { factor = min(factor, dips[i].factor) }
            i += 1
        }
        return factor
    }
}

/// A stretch of the input where the limiter's ceiling is lowered: where lossy coding pushed
/// the true peak over the limit on a first encode.
public struct CeilingDip: Sendable, Equatable, Codable {
    public var startFrame: Int64
    public var endFrame: Int64
    public var reductionDB: Double

    public init(startFrame: Int64, endFrame: Int64, reductionDB: Double) {
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.reductionDB = reductionDB
    }
}

/// The minimum of the values pushed at indices `from…latest`, in amortised O(1) per push:
/// a monotonic queue in a fixed ring (values pushed in increasing index order).
struct SlidingMinimum {
    private var indices: [Int]
    private var values: [Double]
    private var head = 0
    private var count = 0

    init(capacity: Int) {
        indices = [Int](repeating: 0, count: capacity)
        values = [Double](repeating: 0, count: capacity)
    }

    mutating func push(index: Int, value: Double) {
        while count > 0, values[slot(count - 1)] >= value { count -= 1 }
        if count == indices.count { head = slot(1); count -= 1 }
        indices[slot(count)] = index
        values[slot(count)] = value
        count += 1
    }

    /// The minimum over indices ≥ `from`; 1 when none is held.
    mutating func minimum(from: Int) -> Double {
        while count > 0, indices[head] < from { head = slot(1); count -= 1 }
        return count > 0 ? values[head] : 1
    }

    private func slot(_ i: Int) -> Int { (head + i) % indices.count }
}
