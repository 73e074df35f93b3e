import Foundation

/// Writes `PCMAudio` to a file in the format the user asked for.
///
/// Seam: WAV is written by hand; compressed formats go through MediaCore's `AudioEncoder`
/// once it is available on this branch.
package enum AudioOutput {
    package static let formats = ["wav"]

    /// - Throws: `ProviderError(.invalidInput)` for a format this build cannot write.
    package static func write(_ audio: PCMAudio, to path: String, format: String) throws {
        switch format.lowercased() {
        case "wav":
            try WAVCodec.encode(audio).write(to: URL(fileURLWithPath: path))
        default:
            throw ProviderError(.invalidInput, provider: "output", code: "format",
                                message: "cannot write \(format) audio; supported: \(formats.joined(separator: ", "))")
        }
    }
}
