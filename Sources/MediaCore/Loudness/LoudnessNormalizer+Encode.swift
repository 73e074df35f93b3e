import Foundation

extension LoudnessNormalizer {
    /// Off the target by more than this after lossy coding, a file is encoded once more.
    public static let codingToleranceLU = 0.3
    /// Encodes at most this many times per file.
    public static let maxEncodes = 3

    /// Encodes `input` with `plan` to `output` and measures the file written. Lossy coding
    /// moves loudness (mp3 at speech bit rates loses a few tenths of a LU with the highs it
    /// cuts) and overshoots true peaks here and there by up to 2–3 dB. So when the file is
    /// more than `codingToleranceLU` off `targetLUFS` or any stretch of it is
    /// over `maxTruePeak`, it is encoded again: gain corrected by what was measured, and the
    /// limiter's ceiling lowered only around the stretches that went over (`CeilingDip`).
    /// At most `maxEncodes` encodes; the measurement returned is of the file finally written.
    /// - Returns: the plan finally used and the measurement of the file written.
    /// - Throws: `MediaError`.
    public static func encode(_ plan: LoudnessPlan, input: String, output: String, options: EncoderOptions,
                              targetLUFS: Double, maxTruePeak: Double) throws -> (plan: LoudnessPlan, output: LoudnessMeasurement) {
        var plan = plan
        if plan.encodes == 0 {
            plan.gainDB += try codingShift(plan, input: input, output: output, options: options)
        }
        while true {
            try apply(plan, input: input, output: output, options: options)
            plan.encodes += 1
            let scan = try CodedScan(path: output, format: options.audio, threshold: maxTruePeak - 1)
            guard plan.encodes < maxEncodes,
                  let corrected = correction(of: plan, scan: scan, targetLUFS: targetLUFS, maxTruePeak: maxTruePeak,
                                             margin: codingMarginDB(for: options.format)) else {
                return (plan, scan.measurement)
            }
            plan = corrected
        }
    }

    /// The plan to encode again with, nil when `scan` is on target and under the peak.
    static func correction(of plan: LoudnessPlan, scan: CodedScan, targetLUFS: Double, maxTruePeak: Double, margin: Double) -> LoudnessPlan? {
        guard let loudness = scan.measurement.integratedLUFS else { return nil }
        // Corrected after every encode: under heavy limiting loudness follows the gain less than
        // one for one, so one correction may fall short.
        let shift = abs(targetLUFS - loudness) > codingToleranceLU ? targetLUFS - loudness : 0
        let rise = max(0, shift)
        // Stretches that would be over (after the gain rises by `shift`), with 0.3 dB of room.
        let hot = scan.hotSpots.filter { $0.peakDB + rise > maxTruePeak - 0.3 }
        let over = (scan.measurement.truePeakDBTP ?? -.infinity) + rise > maxTruePeak
        // Encode again only for a real miss: off the target, or over the peak limit.
        guard shift != 0 || over else { return nil }
        var corrected = plan
        corrected.gainDB += shift
        if corrected.ceilingDBTP == nil, !hot.isEmpty || over { corrected.ceilingDBTP = maxTruePeak - margin }
        if over && hot.isEmpty, let ceiling = corrected.ceilingDBTP {
            // The meters disagree on where: lower the ceiling everywhere instead.
            corrected.ceilingDBTP = ceiling - ((scan.measurement.truePeakDBTP ?? maxTruePeak) + rise - maxTruePeak) - 0.3
        }
        corrected.dips += hot.map { CeilingDip(startFrame: $0.frames.lowerBound, endFrame: $0.frames.upperBound,
                                               reductionDB: $0.peakDB + rise - maxTruePeak + 1) }
        return corrected
    }
}

/// One decode of an encoded file: its loudness (libebur128) and the stretches whose true peak
/// (`TruePeakEstimator`) is over `threshold`, grouped when closer than 0.1 s and padded by 50 ms.
struct CodedScan {
    struct HotSpot { var frames: Range<Int64>; var peakDB: Double }
    var measurement: LoudnessMeasurement
    var hotSpots: [HotSpot] = []

    init(path: String, format: AudioFormat, threshold: Double) throws {
        let meter = try LoudnessMeter(format: format)
        var estimator = TruePeakEstimator(channels: format.channels)
        let limit = Float(pow(10, threshold / 20))
        let pad = Int64(format.sampleRate / 20), gap = Int64(format.sampleRate / 10)
        var peaks: [Float] = []
        var frame: Int64 = -Int64(TruePeakEstimator.halfTaps)
        var spots: [HotSpot] = []
        func note(_ peak: Float, at frame: Int64) {
            guard peak > limit, frame >= 0 else { return }
            let db = 20 * log10(Double(peak))
            if let last = spots.last, frame - last.frames.upperBound + pad < gap {
                spots[spots.count - 1].frames = last.frames.lowerBound..<(frame + pad)
                spots[spots.count - 1].peakDB = max(last.peakDB, db)
            } else {
                spots.append(HotSpot(frames: max(0, frame - pad)..<(frame + pad), peakDB: db))
            }
        }
        let decoder = try AudioDecoder(path: path, output: format)
        try decoder.decode { block in
            try meter.add(block)
            estimator.peaks(of: block, into: &peaks)
            for peak in peaks { note(peak, at: frame); frame += 1 }
        }
        let tail = [Float](repeating: 0, count: TruePeakEstimator.halfTaps * format.channels)
        tail.withUnsafeBufferPointer { estimator.peaks(of: $0, into: &peaks) }
        for peak in peaks { note(peak, at: frame); frame += 1 }
        measurement = LoudnessMeasurement(integratedLUFS: meter.integratedLUFS, truePeakDBTP: meter.truePeakDBTP)
        hotSpots = spots
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
    let plan = try LoudnessNormalizer.plan(input: input, format: options.audio, measured: before, targetLUFS: targetLUFS,
                                           maxTruePeak: maxTruePeak, codingMarginDB: LoudnessNormalizer.codingMarginDB(for: options.format))
    let (used, after) = try LoudnessNormalizer.encode(plan, input: input, output: output, options: options,
                                                      targetLUFS: targetLUFS, maxTruePeak: maxTruePeak)
    return LoudnessReport(targetLUFS: targetLUFS, maxTruePeakDBTP: maxTruePeak, input: before, plan: used, output: after)
}
