import Foundation

extension LoudnessNormalizer {
    /// Off the target by more than this after lossy coding, a file is encoded once more.
    public static let codingToleranceLU = 0.2

    /// Encodes `input` with `plan` to `output` and measures the file written. Lossy coding
    /// moves loudness (mp3 at speech bit rates loses a few tenths of a LU with the highs it
    /// cuts) and overshoots true peaks; when the file is more than `codingToleranceLU` off
    /// `targetLUFS`, or over `maxTruePeak`, it is encoded once more with the gain (and the
    /// limiter's ceiling) corrected by what was measured. At most two encodes.
    /// - Returns: the plan finally used and the measurement of the file written.
    /// - Throws: `MediaError`.
    public static func encode(_ plan: LoudnessPlan, input: String, output: String, options: EncoderOptions,
                              targetLUFS: Double, maxTruePeak: Double) throws -> (plan: LoudnessPlan, output: LoudnessMeasurement) {
        try apply(plan, input: input, output: output, options: options)
        let measured = try LoudnessMeasurement.measure(path: output, format: options.audio)
        guard let corrected = correction(of: plan, measured: measured, targetLUFS: targetLUFS, maxTruePeak: maxTruePeak) else {
            return (plan, measured)
        }
        try apply(corrected, input: input, output: output, options: options)
        return (corrected, try LoudnessMeasurement.measure(path: output, format: options.audio))
    }

    /// The plan to encode again with, nil when `measured` is on target and under the peak.
    static func correction(of plan: LoudnessPlan, measured: LoudnessMeasurement, targetLUFS: Double, maxTruePeak: Double) -> LoudnessPlan? {
        guard let loudness = measured.integratedLUFS, let peak = measured.truePeakDBTP else { return nil }
        let shift = targetLUFS - loudness
        let excess = peak - maxTruePeak
        guard abs(shift) > codingToleranceLU || excess > 0 else { return nil }
        var corrected = plan
        corrected.gainDB += shift
        // The coded peak moves with the gain; what went over comes off the ceiling, with room.
        let codedPeak = peak + shift
        if let ceiling = plan.ceilingDBTP {
            if excess > 0 { corrected.ceilingDBTP = ceiling - excess - 0.2 }
        } else if codedPeak > maxTruePeak {
            corrected.ceilingDBTP = maxTruePeak - codingMarginDB - max(0, excess)
        }
        return corrected
    }
}

/// Measures `input`, writes it to `output` at `targetLUFS` integrated with the true peak at
/// most `maxTruePeak` (`LoudnessNormalizer`: plan, encode, check), and reports what it did.
/// With `limiter: false` it applies the old plain gain instead (`plainPlan`), for comparison.
/// - Throws: `MediaError` from decoding or encoding.
public func normalizeLoudness(input: String, output: String, options: EncoderOptions, targetLUFS: Double = -18,
                              maxTruePeak: Double = -1.5, limiter: Bool = true) throws -> LoudnessReport {
    let before = try LoudnessMeasurement.measure(path: input, format: options.audio)
    guard limiter else {
        let plan = LoudnessNormalizer.plainPlan(for: before, targetLUFS: targetLUFS, maxTruePeak: maxTruePeak)
        try LoudnessNormalizer.apply(plan, input: input, output: output, options: options)
        let after = try LoudnessMeasurement.measure(path: output, format: options.audio)
        return LoudnessReport(targetLUFS: targetLUFS, maxTruePeakDBTP: maxTruePeak, input: before, plan: plan, output: after)
    }
    let plan = try LoudnessNormalizer.plan(input: input, format: options.audio, measured: before,
                                           targetLUFS: targetLUFS, maxTruePeak: maxTruePeak)
    let (used, after) = try LoudnessNormalizer.encode(plan, input: input, output: output, options: options,
                                                      targetLUFS: targetLUFS, maxTruePeak: maxTruePeak)
    return LoudnessReport(targetLUFS: targetLUFS, maxTruePeakDBTP: maxTruePeak, input: before, plan: used, output: after)
}
