import Foundation

/// FFmpeg's own EBU R128 meter (`-af ebur128=peak=true`), run as a separate process: the
/// independent check of what `LoudnessMeter` and `normalizeLoudness` claim. Shared by the
/// MediaCore and Pipeline tests (a plain target: test targets cannot depend on each other).
package enum FFmpegLoudness {
    package struct Unreadable: Error, CustomStringConvertible {
        package var description: String
    }

    package static func measure(_ path: String) async throws -> (integrated: Double, truePeak: Double) {
        let text = try await Command.run(["ffmpeg", "-nostats", "-hide_banner", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"]).errors
        // The Summary block is last; its "I:" and (under "True peak:") "Peak:" lines.
        guard let summary = text.range(of: "Summary:", options: .backwards)?.upperBound else {
            throw Unreadable(description: "ffmpeg printed no loudness summary for \(path): \(text.suffix(300))")
        }
        func value(after label: String) throws -> Double {
            guard let line = text[summary...].split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }),
                  let number = Double(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).split(separator: " ")[0]) else {
                throw Unreadable(description: "no \(label) value in ffmpeg's summary for \(path)")
            }
            return number
        }
        return (try value(after: "I:"), try value(after: "Peak:"))
    }
}
