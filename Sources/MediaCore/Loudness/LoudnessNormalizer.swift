import Foundation

/// What `normalizeLoudness` did: the input measured, the plan followed, the output measured
/// again by decoding the file written (the honest check, codec included).
public struct LoudnessReport: Sendable, Equatable, Codable {
    public var targetLUFS: Double
    public var maxTruePeakDBTP: Double
    public var input: LoudnessMeasurement
    public var plan: LoudnessPlan
    public var output: LoudnessMeasurement
    /// The gain applied to every sample before any limiting, in dB (0 for silence).
    public var gainDB: Double { plan.gainDB }
    /// True when the gain alone would have pushed the true peak over the ceiling, so the
    /// limiter shaped the peaks.
    public var peakLimited: Bool { plan.ceilingDBTP != nil }
    /// True when the input was silent (below the R128 gate): left as it was.
    public var silent: Bool { input.integratedLUFS == nil }
}

/// How a file is brought to its loudness target: one gain, then — only when the gain alone
/// would push the true peak over the ceiling — a true-peak limiter (`TruePeakLimiter`).
public struct LoudnessPlan: Sendable, Equatable, Codable {
    /// The gain applied to every sample before limiting, in dB.
    public var gainDB: Double
    /// The limiter's true-peak ceiling in dBTP; nil for a plain gain (no limiter).
    public var ceilingDBTP: Double?
    /// The largest gain reduction the limiter made anywhere, in dB (0 for a plain gain).
    public var limiterMaxReductionDB: Double
    /// Passes over the input spent measuring limited versions (0 for a plain gain).
    public var passes: Int
    /// Where a first encode went over the true-peak limit: the ceiling is lowered there.
    public var dips: [CeilingDip]
    /// Files encoded to reach this plan (1 when the first encode was on target).
    public var encodes: Int

    public init(gainDB: Double, ceilingDBTP: Double? = nil, limiterMaxReductionDB: Double = 0, passes: Int = 0,
                dips: [CeilingDip] = [], encodes: Int = 0) {
        self.gainDB = gainDB
        self.ceilingDBTP = ceilingDBTP
        self.limiterMaxReductionDB = limiterMaxReductionDB
        self.passes = passes
        self.dips = dips
        self.encodes = encodes
    }
}

/// Loudness normalisation to an integrated target with the true peak held under a maximum.
///
/// When `target − measured` keeps the true peak under the ceiling, that one plain gain is all
/// (dynamics untouched, samples exactly scaled). Otherwise the gain goes on and a look-ahead
/// true-peak limiter holds the peaks at `maxTruePeak − codingMarginDB(for: format)`; since limiting lowers
/// the integrated loudness a little, the limited result is measured and the gain corrected
/// (at most `maxPasses` passes over the input, no encoding). `encode` then writes the file and
/// checks what the codec did (`LoudnessNormalizer+Encode.swift`).
public enum LoudnessNormalizer {
    /// Headroom left under the true-peak limit for what coding adds: mp3 (32 kb/s) and AAC
    /// (64 kb/s) overshoot the true peak of what they were given. Measured on espeak-ng
    /// narration (30 s to 28 min) and synthetic peaky speech: up to 0.8 dB on short files,
    /// 1.2 dB (mp3) and 2.4–2.8 dB (AAC, a few spots) on half an hour. With 2 dB the half-hour
    /// m4b needed a second encode (109 s instead of 60 s, `benchmarks/loudness.sh`), so AAC
    /// gets 3 dB; mp3 and opus keep 2 dB (a tighter ceiling costs very peaky input its target:
    /// the limiter must then take 19 dB off and loudness no longer follows the gain); lossless
    /// formats only need room for 16-bit rounding. `encode` still checks and corrects.
    public static func codingMarginDB(for format: AudioFileFormat) -> Double {
        switch format {
        case .wav, .flac: 0.5
        case .mp3, .opus: 2
        case .m4a, .m4b: 3
        }
    }
    /// Passes over the input at most when correcting the limited gain.
    public static let maxPasses = 4
    /// The most the gain may rise above `target − measured` to make up for limiting: beyond
    /// it the input is too peaky (clicks over silence) and ends below the target instead.
    public static let maxMakeUpDB = 10.0

    /// The old way, kept as the peer of benchmarks: one plain gain `target − measured`, lowered
    /// so that `measured true peak + gain ≤ maxTruePeak` (an input with high peaks then ends
    /// below the target); 0 for silence.
    public static func plainPlan(for measured: LoudnessMeasurement, targetLUFS: Double, maxTruePeak: Double) -> LoudnessPlan {
        guard let loudness = measured.integratedLUFS else { return LoudnessPlan(gainDB: 0) }
        let wanted = targetLUFS - loudness
        if let peak = measured.truePeakDBTP, peak + wanted > maxTruePeak { return LoudnessPlan(gainDB: maxTruePeak - peak) }
        return LoudnessPlan(gainDB: wanted)
    }

    /// The plan that brings `input` (already measured as `measured`) to `targetLUFS` with its
    /// true peak at most `maxTruePeak` once coded.
    /// - Throws: `MediaError` from decoding the limited passes.
    public static func plan(input: String, format: AudioFormat, measured: LoudnessMeasurement,
                            targetLUFS: Double, maxTruePeak: Double, codingMarginDB margin: Double) throws -> LoudnessPlan {
        guard let loudness = measured.integratedLUFS else { return LoudnessPlan(gainDB: 0) }
        let wanted = targetLUFS - loudness
        let ceiling = maxTruePeak - margin
        guard let peak = measured.truePeakDBTP, peak + wanted > ceiling else { return LoudnessPlan(gainDB: wanted) }
        var gain = wanted
        var tried: [(gain: Double, lufs: Double, reduction: Double)] = []
        for _ in 0..<maxPasses {
            let pass = try limitedPass(input: input, format: format, gainDB: gain, ceilingDBTP: ceiling)
            guard let lufs = pass.lufs else { break }
            tried.append((gain, lufs, pass.reduction))
            let error = targetLUFS - lufs
            if abs(error) <= 0.05 { break }
            // Loudness rises with the gain, less than one for one once the limiter works:
            // a secant step from the last two passes, a plain step from the first.
            var slope = 1.0
            if tried.count >= 2 {
                let (a, b) = (tried[tried.count - 2], tried[tried.count - 1])
                if b.gain != a.gain { slope = min(1, max(0.2, (b.lufs - a.lufs) / (b.gain - a.gain))) }
            }
            let next = min(wanted + maxMakeUpDB, gain + error / slope)
            if abs(next - gain) < 0.01 { break }
            gain = next
        }
        guard let best = tried.min(by: { abs($0.lufs - targetLUFS) < abs($1.lufs - targetLUFS) }) else {
            return LoudnessPlan(gainDB: wanted, ceilingDBTP: ceiling, passes: tried.count)
        }
        return LoudnessPlan(gainDB: best.gain, ceilingDBTP: ceiling, limiterMaxReductionDB: best.reduction, passes: tried.count)
    }

    /// Integrated loudness (nil: silent) and largest gain reduction of `input` gained and
    /// limited, without writing anything.
    static func limitedPass(input: String, format: AudioFormat, gainDB: Double, ceilingDBTP: Double) throws -> (lufs: Double?, reduction: Double) {
        let meter = try LoudnessMeter(format: format, truePeak: false)
        var limiter = TruePeakLimiter(sampleRate: format.sampleRate, channels: format.channels, ceilingDBTP: ceilingDBTP, inputGainDB: gainDB)
        let decoder = try AudioDecoder(path: input, output: format)
        try decoder.decode { try limiter.process($0, emit: meter.add) }
        try limiter.finish(emit: meter.add)
        return (meter.integratedLUFS, limiter.maxReductionDB)
    }

    /// Decodes `input` as `options.audio`, applies `plan` (the gain, then the limiter when it
    /// has a ceiling) and encodes to `output` with `options`. Streaming: memory stays flat.
    /// - Throws: `MediaError`.
    public static func apply(_ plan: LoudnessPlan, input: String, output: String, options: EncoderOptions) throws {
        let encoder = try AudioEncoder(path: output, options: options)
        try streamPlanned(plan, input: input, format: options.audio, emit: encoder.write)
        try encoder.finish()
    }
}
