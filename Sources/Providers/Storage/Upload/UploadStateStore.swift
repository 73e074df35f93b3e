import Foundation

/// A multipart upload in progress: enough to continue it after a restart with only the parts
/// that are missing (DESIGN.md `uploads` table).
package struct MultipartUploadState: Codable, Sendable, Equatable {
    /// `s3://bucket/key`.
    package var uri: String
    package var uploadID: String
    package var partSize: Int64
    /// Size and SHA-256 of the source when the upload began; a changed file starts over.
    package var size: Int64
    package var sha256: String
    /// Finished parts: part number → ETag exactly as S3 returned it.
    package var parts: [Int: String]
    /// The additional checksum declared when the upload was created (`CRC32C`…, `none` for
    /// none); nil when unknown (a state saved by a store or version that does not keep it: the
    /// upload then takes ListParts' word, or the configured algorithm).
    package var checksumAlgorithm: String?
    /// Finished parts: part number → base64 checksum sent with it (empty without algorithm).
    package var checksums: [Int: String]

    package init(
        uri: String, uploadID: String, partSize: Int64, size: Int64, sha256: String, parts: [Int: String] = [:],
        checksumAlgorithm: String? = nil, checksums: [Int: String] = [:]
    ) {
        self.uri = uri
        self.uploadID = uploadID
        self.partSize = partSize
        self.size = size
        self.sha256 = sha256
        self.parts = parts
        self.checksumAlgorithm = checksumAlgorithm
        self.checksums = checksums
    }

    private enum CodingKeys: String, CodingKey {
        case uri, uploadID, partSize, size, sha256, parts, checksumAlgorithm, checksums
    }

    /// Decodes states saved before checksums existed too (no `checksums`, no algorithm).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        uri = try container.decode(String.self, forKey: .uri)
        uploadID = try container.decode(String.self, forKey: .uploadID)
        partSize = try container.decode(Int64.self, forKey: .partSize)
        size = try container.decode(Int64.self, forKey: .size)
        sha256 = try container.decode(String.self, forKey: .sha256)
        parts = try container.decode([Int: String].self, forKey: .parts)
        checksumAlgorithm = try container.decodeIfPresent(String.self, forKey: .checksumAlgorithm)
        checksums = try container.decodeIfPresent([Int: String].self, forKey: .checksums) ?? [:]
    }
}

/// Where upload progress is kept between runs. The job store implements it with its `uploads`
/// table; `runner upload` uses `SidecarUploadStateStore`.
package protocol UploadStateStore: Sendable {
    /// The saved state of the upload of `source` to `uri`, if any.
    func load(uri: String, source: String) async throws -> MultipartUploadState?
    /// Replaces the saved state (called after each finished part).
    func save(_ state: MultipartUploadState, source: String) async throws
    /// Forgets the upload (completed or aborted).
    func remove(uri: String, source: String) async throws
}

/// Keeps nothing: uploads interrupted in this process start over.
package struct NoUploadStateStore: UploadStateStore {
    package init() {}
    package func load(uri: String, source: String) async throws -> MultipartUploadState? { nil }
    package func save(_ state: MultipartUploadState, source: String) async throws {}
    package func remove(uri: String, source: String) async throws {}
}

/// Keeps the state of the upload of `dir/name` in `dir/.name.upload.json`, written atomically
/// (temporary file, then rename). The file holds no credentials, only the upload id, ETags and
/// part checksums.
package struct SidecarUploadStateStore: UploadStateStore {
    package init() {}

    /// The sidecar path for `source`.
    package static func path(for source: String) -> String {
        let url = URL(fileURLWithPath: source)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).upload.json").path
    }

    /// Whether `path` names a sidecar (so directory walks can leave them out).
    package static func isSidecar(_ path: String) -> Bool {
        let name = URL(fileURLWithPath: path).lastPathComponent
        return name.hasPrefix(".") && name.hasSuffix(".upload.json")
    }

    package func load(uri: String, source: String) async throws -> MultipartUploadState? {
        guard let data = FileManager.default.contents(atPath: Self.path(for: source)),
            let state = try? JSONDecoder().decode(MultipartUploadState.self, from: data), state.uri == uri
        else { return nil }
        return state
    }

    package func save(_ state: MultipartUploadState, source: String) async throws {
        let path = Self.path(for: source)
        let temp = path + ".\(UUID().uuidString).tmp"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // No fsync: a state lost in a crash only costs re-listing; ListParts is the truth anyway.
        try LocalFiles.write(try encoder.encode(state), to: temp, sync: false)
        do {
            try LocalFiles.rename(temp, to: path)
        } catch {
            unlink(temp)
            throw error
        }
    }

    package func remove(uri: String, source: String) async throws {
        try LocalFiles.removeIfPresent(Self.path(for: source))
    }
}
