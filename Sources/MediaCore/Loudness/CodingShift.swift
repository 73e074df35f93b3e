import Foundation

extension LoudnessNormalizer {
    /// Seconds of the input encoded to learn what the codec does to its loudness: a few
    /// excerpts spread over the file (the whole file when it is shorter).
    static let excerptSeconds = 15.0
    static let excerptCount = 4

    /// How much lossy coding with `options` lowers the loudness of `input` under `plan`, in LU
    /// (mp3 at speech bit rates cuts the highs that K-weighting counts: about 0.4 LU for
    /// espeak-ng voices). Learnt by encoding a few excerpts of the planned output next to
    /// `output`, so that the real encode can aim for the target at once; 0 for lossless formats.
    /// - Throws: `MediaError`.
    static func codingShift(_ plan: LoudnessPlan, input: String, output: String, options: EncoderOptions) throws -> Double {
        guard options.format.defaultBitRate(channels: options.audio.channels, sampleRate: options.audio.sampleRate) != nil else { return 0 }
        let format = options.audio
        let total = try AudioDecoder(path: input, output: format).info.durationSeconds ?? 0
        let length = Int(excerptSeconds * Double(format.sampleRate))
        let step = total > excerptSeconds * Double(excerptCount) * 2 ? Int(total * Double(format.sampleRate)) / excerptCount : 0
        let sample = output + ".excerpt." + options.format.fileExtension
        defer { try? FileManager.default.removeItem(atPath: sample) }
        var excerptOptions = options
        excerptOptions.metadata = [:]
        excerptOptions.chapters = []
        let encoder = try AudioEncoder(path: sample, options: excerptOptions)
        let before = try LoudnessMeter(format: format, truePeak: false)
        var frame = 0
        var kept: [Float] = []
        func keep(_ block: UnsafeBufferPointer<Float>) throws {
            kept.removeAll(keepingCapacity: true)
            let frames = block.count / format.channels
            for i in 0..<frames where step == 0 || (frame + i) % step < length {
                kept.append(contentsOf: block[(i * format.channels)..<((i + 1) * format.channels)])
            }
            frame += frames
            guard !kept.isEmpty else { return }
            try kept.withUnsafeBufferPointer { try before.add($0); try encoder.write($0) }
        }
        try streamPlanned(plan, input: input, format: format, emit: keep)
        try encoder.finish()
        let after = try LoudnessMeasurement.measure(path: sample, format: format)
        guard let planned = before.integratedLUFS, let coded = after.integratedLUFS else { return 0 }
        return planned - coded
    }

    /// Decodes `input` and hands `emit` the planned samples (gain, then limiter if any).
    static func streamPlanned(_ plan: LoudnessPlan, input: String, format: AudioFormat,
                              emit: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        let decoder = try AudioDecoder(path: input, output: format)
        if let ceiling = plan.ceilingDBTP {
            var limiter = TruePeakLimiter(sampleRate: format.sampleRate, channels: format.channels,
                                          ceilingDBTP: ceiling, inputGainDB: plan.gainDB, dips: plan.dips)
            try decoder.decode { try limiter.process($0, emit: emit) }
            try limiter.finish(emit: emit)
        } else {
            let factor = Float(pow(10, plan.gainDB / 20))
            var scaled: [Float] = []
            try decoder.decode { block in
                scaled.removeAll(keepingCapacity: true)
                scaled.append(contentsOf: block.lazy.map { $0 * factor })
                try scaled.withUnsafeBufferPointer { try emit($0) }
            }
        }
    }
}
