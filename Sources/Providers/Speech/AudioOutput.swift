import Foundation
import MediaCore

/// Writes `PCMAudio` to a file in the format the user asked for, through MediaCore.
package enum AudioOutput {
    package static var formats: [String] { AudioFileFormat.allCases.map(\.rawValue) }

    /// - Throws: `ProviderError(.invalidInput)` for an unknown format; `MediaError` when encoding fails.
    package static func write(_ audio: PCMAudio, to path: String, format: String) async throws {
        let name = format.lowercased() == "ogg" ? "opus" : format.lowercased()
        guard let fileFormat = AudioFileFormat(rawValue: name) else {
            throw ProviderError(.invalidInput, provider: "output", code: "format",
                                message: "cannot write \(format) audio; supported: \(formats.joined(separator: ", "))")
        }
        try await MediaAudio.write(audio, to: path, format: fileFormat)
    }
}
