import ArgumentParser
import Foundation
import MediaCore

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Show container, codec, duration, rate, layout, bit rate, tags and streams of media files.")

    @Argument(help: "Media files.") var files: [String]
    @Flag(help: "Print JSON (an array, one object per file; failures as {path, error}).") var json = false

    func run() throws {
        var failed = false
        var results: [ProbeResult] = []
        for file in files {
            do {
                let info = try MediaProbe.probe(path: file)
                results.append(.init(info: info, error: nil, path: file))
                if !json { print(Self.describe(info)) }
            } catch {
                failed = true
                results.append(.init(info: nil, error: "\(error)", path: file))
                if !json { printError("error: \(error)") }
            }
        }
        if json { print(try jsonString(results)) }
        if failed { throw ExitCode(1) }
    }

    struct ProbeResult: Encodable {
        var info: MediaInfo?
        var error: String?
        var path: String
        func encode(to encoder: any Encoder) throws {
            if let info { try info.encode(to: encoder); return }
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(error, forKey: .error)
        }
        enum CodingKeys: String, CodingKey { case path, error }
    }

    static func describe(_ info: MediaInfo) -> String {
        var lines = ["\(info.path)"]
        let duration = info.durationSeconds.map { String(format: "%.3f s", $0) } ?? "unknown duration"
        let rate = info.bitRate.map { "\($0 / 1000) kb/s" } ?? "unknown bit rate"
        lines.append("  container: \(info.container), \(duration), \(rate)")
        for (key, value) in info.tags.sorted(by: { $0.key < $1.key }) { lines.append("  tag \(key): \(value)") }
        for stream in info.streams {
            var text = "  stream #\(stream.index) \(stream.kind.rawValue): \(stream.codec)"
            if stream.kind == .audio {
                text += ", \(stream.sampleRate ?? 0) Hz, \(stream.channelLayout ?? "\(stream.channels ?? 0) ch")"
                if let format = stream.sampleFormat { text += ", \(format)" }
            }
            if let width = stream.width, let height = stream.height { text += ", \(width)x\(height)" }
            if stream.isAttachedPicture { text += " (cover image, ignored)" }
            if let bitRate = stream.bitRate { text += ", \(bitRate / 1000) kb/s" }
            if stream.index == info.audioStreamIndex { text += " [decoded]" }
            lines.append(text)
        }
        return lines.joined(separator: "\n")
    }
}
