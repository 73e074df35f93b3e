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

    /// One job's worth of input: a file, or a folder of recordings (an audiobook).
    package struct Entry: Sendable {
        /// Relative to the input folder (`book/` for a folder).
        package var name: String
        package var workflow: String?
        package var paths: [String]
    }

    /// The entries of `directory`: every text or unknown file alone; the recordings inside each
    /// top-level subfolder together as one multi-file upload, in name order; other recordings alone.
    package static func entries(in directory: String, excluding: String?) throws -> [Entry] {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path
        var entries: [Entry] = []
        var books: [String: Int] = [:]
        for path in try files(in: directory, excluding: excluding) {
            let relative = String(path.dropFirst(base.count).drop { $0 == "/" })
            let workflow = workflow(for: path)
            let components = relative.split(separator: "/")
            if workflow == "transcribe", components.count > 1 {
                let folder = String(components[0]) + "/"
                if let index = books[folder] { entries[index].paths.append(path) } else {
                    books[folder] = entries.count
                    entries.append(Entry(name: folder, workflow: workflow, paths: [path]))
                }
            } else {
                entries.append(Entry(name: relative, workflow: workflow, paths: [path]))
            }
        }
        // A folder holding a single recording is just that recording.
        return entries.map { entry in
            entry.name.hasSuffix("/") && entry.paths.count == 1
                ? Entry(name: String(entry.paths[0].dropFirst(base.count).drop { $0 == "/" }), workflow: entry.workflow, paths: entry.paths)
                : entry
        }
    }
}
