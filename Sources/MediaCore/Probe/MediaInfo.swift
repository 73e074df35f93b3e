/// What a media file holds, as `runner probe` reports it.
public struct MediaInfo: Codable, Sendable, Equatable {
    public var path: String
    /// The container's short FFmpeg name (e.g. `mp3`, `mov,mp4,m4a,3gp,3g2,mj2`, `wav`).
    public var container: String
    public var containerLongName: String?
    /// Duration the container declares, in seconds (nil when unknown).
    public var durationSeconds: Double?
    /// Overall bit rate in bits per second (nil when unknown).
    public var bitRate: Int?
    public var tags: [String: String]
    public var streams: [StreamInfo]
    /// Index into `streams` of the audio stream the decoder uses, nil when there is none.
    public var audioStreamIndex: Int?

    /// The stream the decoder uses.
    public var audio: StreamInfo? { audioStreamIndex.map { streams[$0] } }

    enum CodingKeys: String, CodingKey {
        case path, container, tags, streams
        case containerLongName = "container_long_name"
        case durationSeconds = "duration_seconds"
        case bitRate = "bit_rate"
        case audioStreamIndex = "audio_stream_index"
    }
}

/// One stream of a container.
public struct StreamInfo: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case audio, video, subtitle, data, attachment, unknown }

    public var index: Int
    public var kind: Kind
    public var codec: String
    public var codecLongName: String?
    /// True for a cover image stored as a video stream (an m4a's or an mp3's artwork).
    public var isAttachedPicture: Bool
    public var sampleRate: Int?
    public var channels: Int?
    public var channelLayout: String?
    public var sampleFormat: String?
    public var bitsPerSample: Int?
    public var bitRate: Int?
    public var durationSeconds: Double?
    public var width: Int?
    public var height: Int?
    public var tags: [String: String]

    enum CodingKeys: String, CodingKey {
        case index, kind, codec, channels, width, height, tags
        case codecLongName = "codec_long_name"
        case isAttachedPicture = "attached_picture"
        case sampleRate = "sample_rate"
        case channelLayout = "channel_layout"
        case sampleFormat = "sample_format"
        case bitsPerSample = "bits_per_sample"
        case bitRate = "bit_rate"
        case durationSeconds = "duration_seconds"
    }
}
