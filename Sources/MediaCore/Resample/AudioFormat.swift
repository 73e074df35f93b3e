/// The PCM layout MediaCore hands between stages: interleaved 32-bit float at a sample rate
/// with a channel count (channel order is FFmpeg's default for that count).
public struct AudioFormat: Hashable, Sendable, Codable, CustomStringConvertible {
    public var sampleRate: Int
    public var channels: Int

    public init(sampleRate: Int, channels: Int) {
        self.sampleRate = sampleRate
        self.channels = channels
    }

    public var description: String { "\(sampleRate) Hz, \(channels) ch" }

    /// Checks the values are ones FFmpeg can produce.
    /// - Throws: `MediaError.invalidArgument` naming the bad value.
    public func validate() throws {
        guard (1000...384_000).contains(sampleRate) else {
            throw MediaError(.invalidArgument, path: nil, reason: "sample rate \(sampleRate) Hz is outside 1000…384000")
        }
        guard (1...8).contains(channels) else {
            throw MediaError(.invalidArgument, path: nil, reason: "channel count \(channels) is outside 1…8")
        }
    }
}
