import Foundation

/// Which workflow a file goes to, by its extension.
package enum BatchClassifier {
    package static let text: Set<String> = ["txt", "text", "md", "markdown", "html", "htm", "xhtml", "epub"]
    package static let media: Set<String> = ["mp3", "wav", "flac", "m4a", "m4b", "aac", "ogg", "oga", "opus", "wma",
                                             "mp4", "m4v", "mov", "mkv", "webm", "avi"]

    /// `narrate`, `transcribe`, or nil (skipped).
    package static func workflow(for path: String) -> String? {
        let ext = (path as NSString).pathExtension.lowercased()
        if text.contains(ext) { return "narrate" }
        if media.contains(ext) { return "transcribe" }
        return nil
    }

    /// Regular files under `directory`, recursively, sorted; hidden files and folders and
    /// anything under `excluding` (the output folder when it lies inside the input) left out.
    package static func files(in directory: String, excluding: String?) throws -> [String] {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        let excluded = excluding.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else {
            throw StepFailure(code: "unreadable", message: "cannot list \(directory)", retryable: false)
        }
        var files: [String] = []
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            if let excluded, path == excluded || path.hasPrefix(excluded + "/") { enumerator.skipDescendants(); continue }
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { files.append(path) }
        }
        return files.sorted()
    }
}
