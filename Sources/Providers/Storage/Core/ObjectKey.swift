import Basics
import Crypto
import Foundation
import MediaCore

/// Rules shared by every store for object keys, and helpers to derive them.
package enum ObjectKey {
    /// The metadata name holding the content's SHA-256 (`x-amz-meta-sha256` on S3).
    package static let sha256MetadataName = "sha256"

    /// Checks that `key` is a relative path both stores can hold: 1–1024 UTF-8 bytes, no leading
    /// or trailing `/`, no empty, `.` or `..` segment (curl and file systems would rewrite those), no NUL or
    /// control character, and not inside the local store's reserved `.storage` folder.
    /// - Throws: `StorageError.invalidKey`.
    package static func validate(_ key: String) throws {
        let bytes = key.utf8.count
        guard bytes > 0, bytes <= 1024 else { throw StorageError.invalidKey(key, "must be 1 to 1024 bytes") }
        guard !key.hasPrefix("/") else { throw StorageError.invalidKey(key, "must not start with /") }
        guard !key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw StorageError.invalidKey(key, "must not contain control characters")
        }
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments {
            guard !segment.isEmpty, segment != ".", segment != ".." else {
                throw StorageError.invalidKey(key, "must not contain empty, '.' or '..' segments")
            }
            // The local store keeps each segment as a file name, which file systems cap at 255 bytes.
            guard segment.utf8.count <= 255 else {
                throw StorageError.invalidKey(key, "a segment between slashes is \(segment.utf8.count) bytes; at most 255 are allowed")
            }
        }
        guard segments.first != Substring(LocalStorage.reservedFolder) else {
            throw StorageError.invalidKey(key, "\(LocalStorage.reservedFolder)/ is reserved")
        }
    }

    /// `prefix` and `relativePath` joined with exactly one `/`.
    package static func join(_ prefix: String, _ relativePath: String) -> String {
        if prefix.isEmpty { return relativePath }
        return prefix.hasSuffix("/") ? prefix + relativePath : prefix + "/" + relativePath
    }
}

/// Streaming SHA-256 of files, read in fixed-size chunks so memory stays flat.
package enum FileDigest {
    /// Lowercase hex SHA-256 and size of the file at `path`, or of `length` bytes from `offset`.
    /// - Throws: `StorageError.fileSystem` when the file cannot be read.
    package static func sha256(
        path: String, offset: Int64 = 0, length: Int64? = nil, chunkSize: Int = 1 << 20
    ) throws -> (hex: String, size: Int64) {
        do {
            let digest = try sha256Hex(ofFile: path, offset: offset, length: length, blockSize: chunkSize)
            return (digest.hex, digest.bytes)
        } catch let error as MediaError {
            throw StorageError.fileSystem(error.description)
        }
    }

    package static func sha256(_ data: Data) -> String { sha256Hex(data) }
}

/// Content types from file extensions, for the formats the pipeline writes and reads.
package enum ContentType {
    package static let fallback = "application/octet-stream"

    /// The MIME type for `path`'s extension (case-insensitive), or `application/octet-stream`.
    package static func forPath(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return fallback }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? fallback
    }

    private static let byExtension: [String: String] = [
        "mp3": "audio/mpeg", "m4a": "audio/mp4", "m4b": "audio/mp4", "aac": "audio/aac",
        "wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg", "opus": "audio/ogg",
        "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime", "webm": "video/webm",
        "mkv": "video/x-matroska",
        "json": "application/json", "txt": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8",
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "xml": "application/xml",
        "srt": "application/x-subrip", "vtt": "text/vtt", "csv": "text/csv",
        "epub": "application/epub+zip", "pdf": "application/pdf", "zip": "application/zip",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    ]
}
