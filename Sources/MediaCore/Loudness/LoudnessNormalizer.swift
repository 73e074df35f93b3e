import Foundation

/// What `LoudnessNormalizer` did: the input measured, the gain applied, the output measured
/// again by decoding the file written (the honest check, codec included).
public struct LoudnessReport: Sendable, Equatable, Codable {
    public var targetLUFS: Double
    public var maxTruePeakDBTP: Double
    public var input: LoudnessMeasurement
    /// The one gain applied to every sample, in dB (0 for silence).
    public var gainDB: Double
    /// True when the gain was lowered to keep the true peak under the limit, so the output
    /// is quieter than the target.
    public var peakLimited: Bool
    public var output: LoudnessMeasurement
    /// True when the input was silent (below the R128 gate): left as it was.
    public var silent: Bool { input.integratedLUFS == nil }
}

/// Loudness normalisation with one plain linear gain: `target − measured`, lowered when needed
/// so that `measured true peak + gain ≤ max true peak`. No compressor or limiter: dynamics are
/// kept exactly, and an input with high peaks ends up below the target rather than distorted.
public enum LoudnessNormalizer {
    /// The gain in dB that brings `measured` to `targetLUFS` without its true peak exceeding
    /// `maxTruePeak`; 0 for silence. The second value says whether the peak limited it.
    public static func gain(for measured: LoudnessMeasurement, targetLUFS: Double, maxTruePeak: Double) -> (gainDB: Double, peakLimited: Bool) {
        guard let loudness = measured.integratedLUFS else { return (0, false) }
        let wanted = targetLUFS - loudness
        if let peak = measured.truePeakDBTP, peak + wanted > maxTruePeak { return (maxTruePeak - peak, true) }
        return (wanted, false)
    }

    /// Decodes `input` as `options.audio`, multiplies every sample by the gain and encodes to
    /// `output` with `options`. Streaming: memory stays flat.
    /// - Throws: `MediaError`; the output is not left behind.
    public static func apply(gainDB: Double, input: String, output: String, options: EncoderOptions) throws {
        let factor = Float(pow(10, gainDB / 20))
        let encoder = try AudioEncoder(path: output, options: options)
        let decoder = try AudioDecoder(path: input, output: options.audio)
        var scaled: [Float] = []
        try decoder.decode { block in
            scaled.removeAll(keepingCapacity: true)
            scaled.append(contentsOf: block.lazy.map { $0 * factor })
            try scaled.withUnsafeBufferPointer { try encoder.write($0) }
        }
        try encoder.finish()
    }
}

/// Measures `input`, writes it to `output` at `targetLUFS` integrated (true peak at most
/// `maxTruePeak`) with one linear gain, then measures the output file again.
/// - Throws: `MediaError` from decoding or encoding.
public func normalizeLoudness(input: String, output: String, options: EncoderOptions,
                              targetLUFS: Double = -18, maxTruePeak: Double = -1.5) throws -> LoudnessReport {
    let before = try LoudnessMeasurement.measure(path: input, format: options.audio)
    let (gain, limited) = LoudnessNormalizer.gain(for: before, targetLUFS: targetLUFS, maxTruePeak: maxTruePeak)
    try LoudnessNormalizer.apply(gainDB: gain, input: input, output: output, options: options)
    let after = try LoudnessMeasurement.measure(path: output, format: options.audio)
    return LoudnessReport(targetLUFS: targetLUFS, maxTruePeakDBTP: maxTruePeak, input: before,
                          gainDB: gain, peakLimited: limited, output: after)
}
