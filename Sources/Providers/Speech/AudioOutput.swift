import Foundation
import MediaCore

/// Writes `PCMAudio` to a file in the format the user asked for, through MediaCore.
package enum AudioOutput {
    package static var formats: [String] { AudioFileFormat.allCases.map(\.rawValue) }

    /// - Throws: `ProviderError(.invalidInput)` for an unknown format; `MediaError` when encoding fails.
    package static func write(_ audio: PCMAudio, to path: String, format: String) async throws {
        try await MediaAudio.write(audio, to: path, format: try fileFormat(format))
    }

    /// The MediaCore format for a name (`ogg` means Opus in Ogg).
    /// - Throws: `ProviderError(.invalidInput)` listing the supported names.
    package static func fileFormat(_ name: String) throws -> AudioFileFormat {
        let lower = name.lowercased() == "ogg" ? "opus" : name.lowercased()
        guard let format = AudioFileFormat(rawValue: lower) else {
            throw ProviderError(.invalidInput, provider: "output", code: "format",
                                message: "cannot write \(name) audio; supported: \(formats.joined(separator: ", ")), ogg")
        }
        return format
    }
}
