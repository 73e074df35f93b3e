import Foundation
import Testing

/// FFmpeg's own EBU R128 meter (`-af ebur128=peak=true`), run as a separate process: the
/// independent check of what `LoudnessMeter` and `normalizeLoudness` claim.
enum FFmpegLoudness {
    static func measure(_ path: String) throws -> (integrated: Double, truePeak: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostats", "-hide_banner", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        // The Summary block is last; its "I:" and (under "True peak:") "Peak:" lines.
        let summary = try #require(text.range(of: "Summary:", options: .backwards)).upperBound
        func value(after label: String) throws -> Double {
            let line = try #require(text[summary...].split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
            let number = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).split(separator: " ")[0]
            return try #require(Double(number))
        }
        return (try value(after: "I:"), try value(after: "Peak:"))
    }
}

