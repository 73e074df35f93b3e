internal import CFFmpeg
import Foundation

/// Reads what a media file holds without decoding it.
public enum MediaProbe {
    /// Probes `path`: container, duration, bit rate, tags and every stream.
    /// - Throws: `MediaError` naming the file when it cannot be opened or is not media.
    public static func probe(path: String, ioTimeout: Double = 30) throws -> MediaInfo {
        let input = try InputContainer(path: path, ioTimeout: ioTimeout)
        return info(of: input)
    }

    static func info(of input: InputContainer) -> MediaInfo {
        let ctx = input.context.pointee
        let duration = ctx.duration == cffmpeg_nopts_value() || ctx.duration <= 0
            ? nil : Double(ctx.duration) / Double(cffmpeg_time_base())
        var streams: [StreamInfo] = []
        for index in 0..<input.streamCount {
            streams.append(streamInfo(input.stream(index), index: index))
        }
        // FFmpeg estimates a container's bit rate from the file size, tags included: a 10 MB ID3
        // tag on a few seconds of audio makes tens of Mb/s. Beyond twice what the streams
        // declare, the streams' sum is the better answer.
        var bitRate = ctx.bit_rate > 0 ? Int(ctx.bit_rate) : nil
        let streamsRate = streams.compactMap(\.bitRate).reduce(0, +)
        if let estimate = bitRate, streamsRate > 0, estimate > 2 * streamsRate { bitRate = streamsRate }
        return MediaInfo(
            path: input.path,
            container: ctx.iformat.map { String(cString: $0.pointee.name) } ?? "unknown",
            containerLongName: ctx.iformat.flatMap { $0.pointee.long_name.map { String(cString: $0) } },
            durationSeconds: duration,
            bitRate: bitRate,
            tags: dictionary(ctx.metadata),
            streams: streams,
            audioStreamIndex: input.bestAudioStreamIndex())
    }

    private static func streamInfo(_ stream: UnsafeMutablePointer<AVStream>, index: Int) -> StreamInfo {
        let par = stream.pointee.codecpar.pointee
        let kind: StreamInfo.Kind = switch par.codec_type {
        case AVMEDIA_TYPE_AUDIO: .audio
        case AVMEDIA_TYPE_VIDEO: .video
        case AVMEDIA_TYPE_SUBTITLE: .subtitle
        case AVMEDIA_TYPE_DATA: .data
        case AVMEDIA_TYPE_ATTACHMENT: .attachment
        default: .unknown
        }
        let descriptor = avcodec_descriptor_get(par.codec_id)
        let timeBase = stream.pointee.time_base
        let duration = stream.pointee.duration == cffmpeg_nopts_value() || stream.pointee.duration <= 0
            ? nil : Double(stream.pointee.duration) * av_q2d(timeBase)
        var info = StreamInfo(
            index: index, kind: kind,
            codec: descriptor.map { String(cString: $0.pointee.name) } ?? "unknown",
            codecLongName: descriptor.flatMap { $0.pointee.long_name.map { String(cString: $0) } },
            isAttachedPicture: (stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0,
            bitRate: par.bit_rate > 0 ? Int(par.bit_rate) : nil,
            durationSeconds: duration,
            tags: dictionary(stream.pointee.metadata))
        if kind == .audio {
            info.sampleRate = Int(par.sample_rate)
            info.channels = Int(par.ch_layout.nb_channels)
            var layout = par.ch_layout
            var buffer = [CChar](repeating: 0, count: 128)
            if av_channel_layout_describe(&layout, &buffer, buffer.count) > 0 {
                info.channelLayout = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            if let name = av_get_sample_fmt_name(AVSampleFormat(rawValue: par.format)) {
                info.sampleFormat = String(cString: name)
            }
            let bits = par.bits_per_raw_sample > 0 ? par.bits_per_raw_sample : par.bits_per_coded_sample
            info.bitsPerSample = bits > 0 ? Int(bits) : nil
        } else if kind == .video {
            info.width = Int(par.width)
            info.height = Int(par.height)
        }
        return info
    }

    /// Longest tag value kept, in characters, and most tags kept: tags are the file's own text,
    /// and a hostile file can make them megabytes long.
    static let maxTagCharacters = 256
    static let maxTags = 64

    /// The tags, printable: control characters become spaces, values are cut at
    /// `maxTagCharacters` with the full length noted, and at most `maxTags` are kept.
    private static func dictionary(_ dict: OpaquePointer?) -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while result.count < maxTags, let next = av_dict_get(dict, "", entry, AV_DICT_IGNORE_SUFFIX) {
            result[printable(String(cString: next.pointee.key), limit: 64)] = printable(String(cString: next.pointee.value), limit: maxTagCharacters)
            entry = next
        }
        return result
    }

    /// `text` with control characters as spaces, cut to `limit` characters.
    static func printable(_ text: String, limit: Int) -> String {
        var scalars = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars {
            count += 1
            if count <= limit { scalars.append(scalar.properties.generalCategory == .control ? " " : scalar) }
        }
        let kept = String(scalars).trimmingCharacters(in: .whitespaces)
        return count > limit ? kept + "… (\(count) characters)" : kept
    }
}
