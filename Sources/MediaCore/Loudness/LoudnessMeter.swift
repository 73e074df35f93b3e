internal import CEbur128
import Foundation

/// Measures loudness as EBU R128 / ITU-R BS.1770 defines it (libebur128): integrated loudness
/// in LUFS and true peak in dBTP, from interleaved Float frames fed in any block sizes.
public final class LoudnessMeter {
    public let format: AudioFormat
    private var state: UnsafeMutablePointer<ebur128_state>?

    /// - Parameter truePeak: false to measure integrated loudness only (cheaper: no oversampling).
    /// - Throws: `MediaError(.invalidArgument)` when libebur128 refuses the format.
    public init(format: AudioFormat, truePeak: Bool = true) throws {
        try format.validate()
        self.format = format
        let mode = Int32(EBUR128_MODE_I.rawValue | (truePeak ? EBUR128_MODE_TRUE_PEAK.rawValue : 0))
        guard let state = ebur128_init(UInt32(format.channels), UInt(format.sampleRate), mode) else {
            throw MediaError(.invalidArgument, path: nil, reason: "loudness meter cannot measure \(format)")
        }
        self.state = state
    }

    deinit { ebur128_destroy(&state) }

    /// Adds interleaved samples (a whole number of frames).
    public func add(_ samples: UnsafeBufferPointer<Float>) throws {
        guard let base = samples.baseAddress, samples.count >= format.channels else { return }
        let frames = samples.count / format.channels
        guard ebur128_add_frames_float(state, base, frames) == Int32(EBUR128_SUCCESS.rawValue) else {
            throw MediaError(.invalidArgument, path: nil, reason: "loudness meter rejected \(frames) frames")
        }
    }

    /// Integrated loudness in LUFS; nil when everything fed was below the −70 LUFS gate
    /// (silence, or nothing at all).
    public var integratedLUFS: Double? {
        var value = 0.0
        guard ebur128_loudness_global(state, &value) == Int32(EBUR128_SUCCESS.rawValue), value.isFinite else { return nil }
        return value
    }

    /// The highest true peak over all channels in dBTP; nil when every sample was zero (or the
    /// meter was made with `truePeak: false`).
    public var truePeakDBTP: Double? {
        var peak = 0.0
        for channel in 0..<format.channels {
            var value = 0.0
            guard ebur128_true_peak(state, UInt32(channel), &value) == Int32(EBUR128_SUCCESS.rawValue) else { return nil }
            peak = max(peak, value)
        }
        return peak > 0 ? 20 * log10(peak) : nil
    }
}

/// What a loudness measurement found. Both values are nil for silence.
public struct LoudnessMeasurement: Sendable, Equatable, Codable {
    public var integratedLUFS: Double?
    public var truePeakDBTP: Double?

    /// Decodes the whole file (as `format`) and measures it.
    /// - Throws: `MediaError` from decoding.
    public static func measure(path: String, format: AudioFormat) throws -> LoudnessMeasurement {
        let meter = try LoudnessMeter(format: format)
        let decoder = try AudioDecoder(path: path, output: format)
        try decoder.decode { try meter.add($0) }
        return LoudnessMeasurement(integratedLUFS: meter.integratedLUFS, truePeakDBTP: meter.truePeakDBTP)
    }
}
