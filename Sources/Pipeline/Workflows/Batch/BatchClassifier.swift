import Foundation
import MediaCore

/// Which workflow a file goes to, by its extension.
package enum BatchClassifier {
    package static let text: Set<String> = ["txt", "text", "md", "markdown", "html", "htm", "xhtml", "epub"]
    /// The audio and video extensions, the same list `runner chunk` takes.
    package static var media: Set<String> { InputDiscovery.mediaExtensions }

    /// `narrate`, `transcribe`, or nil (skipped).
    package static func workflow(for path: String) -> String? {
        let ext = (path as NSString).pathExtension.lowercased()
        if text.contains(ext) { return "narrate" }
        if media.contains(ext) { return "transcribe" }
        return nil
    }

    /// One job's worth of input: a file, or a folder of recordings (an audiobook).
    package struct Entry: Sendable {
        /// Relative to the input folder (`book/` for a folder).
        package var name: String
        package var workflow: String?
        package var paths: [String]
        /// Why the entry is not worked on: a status (`skipped` or `failed`) and a reason.
        package var problem: (status: String, reason: String)?
    }

    /// The entries of `directory`: every text or unknown file alone; the recordings inside each
    /// top-level subfolder together as one multi-file upload, in name order; other recordings
    /// alone; and whatever the walk passed over (hidden, links, FIFOs, bad names) with its reason.
    /// - Throws: `StepFailure` when the folder cannot be read.
    package static func entries(in directory: String, excluding: String?) throws -> [Entry] {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path
        guard FileManager.default.isReadableFile(atPath: base) else {
            throw StepFailure(code: "unreadable", message: "cannot list \(directory)", retryable: false)
        }
        var entries: [Entry] = []
        var books: [String: Int] = [:]
        for found in DirectoryScan.walk(base, excluding: excluding).entries {
            switch found.outcome {
            case .file: break
            case .skipped(let reason):
                entries.append(Entry(name: found.relative, workflow: nil, paths: [found.path], problem: ("skipped", reason)))
                continue
            case .failed(let reason):
                entries.append(Entry(name: found.relative, workflow: nil, paths: [found.path], problem: ("failed", reason)))
                continue
            }
            let path = found.path
            let relative = found.relative
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
                ? Entry(name: String(entry.paths[0].dropFirst(base.count).drop { $0 == "/" }), workflow: entry.workflow, paths: entry.paths,
                        problem: entry.problem)
                : entry
        }
    }
}
